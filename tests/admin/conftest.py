from tests.auth.mailbox import inbox  # noqa: F401  (a fixture)
