"""`monitor`: production versions watched after they ship.

records    the latest monitor result per model, in the clone's private directory, read by
           `status` (health) and the dashboard
"""
