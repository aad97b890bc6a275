"""Every session-state key the app uses, in one place."""

ACTOR = "actor"  # kpi.services.actors.Actor of the logged-in person
LAST_SEEN = "last_seen"  # monotonic time of the last interaction, for the session timeout
NOTICE = "notice"  # one-shot message shown on the next run (e.g. why the session ended)
CYCLE = "cycle"  # fiscal year chosen on the dashboard
BASIS = "basis"  # "approved" or "all" (reviewers' preview)
