"""People, organisations, enrolments (nominations), imports and participants by country."""
