"""Helpers the faces share, so that kiosk, phone, console and lobby display word and show things the same:
display preferences (`ui`), the request wizard, confirmations, labels and messages for the core's codes,
answers in plain words, the acting person (`context`), read-aloud, QR codes, Web Push, the PIN form and the
learning and training pieces that kiosk and phone both show.

May use: the core, models, infra. Never a face: a face may use it, it never uses a face.
"""
