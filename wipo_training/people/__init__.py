"""People and organisations: below courses and meetings, which both enrol them."""
