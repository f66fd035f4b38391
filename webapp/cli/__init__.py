"""The command-line face: `flask --app wsgi …` for the office and operators (database upgrades, the demo, the
first administrator). Like every face it calls the core; nothing else imports it but the application
factory.
"""
