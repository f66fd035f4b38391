"""Privacy: the audit trail and a resident's rights over their data (PIPL).

`audit` (the `Actor` who acts, and `record`) is the base every other area uses. `rights` exports and deletes a
resident's data, so it sits above the register.

May use: `identity` (the vault), `register` (from `rights` only), models, infra clock.
"""
