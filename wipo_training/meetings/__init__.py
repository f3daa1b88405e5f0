"""Bilateral working groups (e.g. the Japan-China Joint IP Working Group) and their meetings:
two sides, co-chairs, delegations, agenda, outcomes and action items, side events, the press
release and the documents staff export."""
