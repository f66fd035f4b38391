"""Infrastructure every part stands on: database engine and request session (`db`), the clock, security
headers and CSRF, error pages, logs, locale and time zone (`i18n`), JSON bodies, request throttles, URL rules,
Flask extensions and the command line.

The core may use only `clock` and `numbers` from here (they do not touch Flask); faces use all of it.
"""
