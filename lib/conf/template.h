/*
 * template.h - the commented config and policy templates (etc/config.template.toml
 * and etc/policy.template.toml), compiled into the library so programs can print them (`cascaded` and
 * `cascade` show where every key goes and what it defaults to).
 *
 * Each array holds the file's text and a NUL after it; the _len constant is
 * the length without that NUL. The files are turned into C at build time
 * by scripts/embed-text. Parsing either template gives the defaults
 * (config_init_defaults(), policy_init_defaults()), except that the config
 * template lists [::1]:4539 beside 127.0.0.1:4539 for the API, as Cascade's
 * does.
 *
 * Ownership: static, read-only data. Thread-safe.
 */
#ifndef CASCADE_CONF_TEMPLATE_H
#define CASCADE_CONF_TEMPLATE_H

#include <stddef.h>

extern const char conf_template_config[];
extern const size_t conf_template_config_len;
extern const char conf_template_policy[];
extern const size_t conf_template_policy_len;

#endif
