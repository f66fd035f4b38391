"""The staff console blueprint, shared by its view modules."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
