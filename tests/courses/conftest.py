"""Shared by the courses' tests: the values a coordinator enters in the new-course form."""

COURSE_VALUES = {
    "title": "Training Course on Patent Examination",
    "code": "pat-2027",
    "organisers": "JPO, WIPO",
    "venue": "APIC",
    "city": "Tokyo",
    "start_date": "2027-06-07",
    "end_date": "2027-06-18",
    "capacity": "20",
}
