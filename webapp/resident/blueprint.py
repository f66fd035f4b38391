"""The resident (phone) blueprint, shared by its view modules."""

from flask import Blueprint

bp = Blueprint("resident", __name__)
