"""The lobby display face (`/display/<community>`): a TV in the lobby rotating notices and what is on."""
