"""Every session-state key the app uses, in one place."""

ACTOR = "actor"  # kpi.services.actors.Actor of the logged-in person
SESSION_TOKEN = "session_token"  # the token of the login session (kpi.services.sessions), also the browser's cookie
ENDED_TOKEN = "session.ended_token"  # a token this tab saw end (logout, timeout): its cookie is cleared
NOTICE = "notice"  # one-shot message shown on the next run (e.g. why the session ended)
CYCLE = "cycle"  # fiscal year chosen on the dashboard
BASIS = "basis"  # "approved" or "all" (reviewers' preview)
DEPARTMENT = "entry.department"  # department chosen on the entry page
LAST_REPORT = "entry.last_report"  # the last save/upload report shown on the entry page


def entry_key(code: str, field: str) -> str:
    """Widget key of one field of one indicator on the entry page (keeps what was typed across reruns)."""
    return f"entry.{code}.{field}"


def entry_reasons(code: str) -> str:
    """Session key: the person has opened one line's 要因・要因の分類・備考 on the entry page (app/entry_form.py)."""
    return f"entry_reasons.{code}"


def entry_seen(code: str) -> str:
    """Session key of the version and stored texts one line of the entry form is based on (app/entry_form.py)."""
    return f"entry_seen.{code}"
REVIEW_MESSAGE = "review.message"  # the result of the last approve/return, shown after the rerun
PUBLISH_MESSAGE = "publish.message"  # the outcome of the last publication, shown after the rerun
ENTRY_MESSAGE = "entry.message"  # the outcome of the last submit, shown after the rerun
PUBLISH_PENDING = "publish.pending"  # the fiscal year whose publication waits for its confirmation
PUBLISH_JOB = "publish.job"  # (token, interim) of the publication running in the background (kpi.platform.runner)
PUBLISH_AGREE = "publish_agree"  # the confirmation's tick (widget key), cleared when a new confirmation opens
DASHBOARD_TAB = "tab"  # the dashboard's open tab (widget key, bound to ?tab=)
BAND_CHART = "band_chart"  # the dashboard's band chart (widget key): its selection
BAND_CHART_APPLIED = "dashboard.band_chart_applied"  # the chart selection already turned into a filter
