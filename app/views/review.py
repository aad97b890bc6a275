"""審査・承認: the division's queue (what the department's head approved, or submitted values in a one-level chain)."""
from app.review_page import render

render("審査・承認")
