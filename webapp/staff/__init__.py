"""The staff console face: a module per area, declared on one blueprint (`blueprint.py`) and imported at the
first staff request (`lazy.py`); `views.py` names them all."""
