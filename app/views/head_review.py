"""所属長承認: a department head's queue of their departments' submitted values (一次承認, issue #22)."""
from app.review_page import render

render("所属長承認")
