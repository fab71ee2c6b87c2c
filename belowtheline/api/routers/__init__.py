"""One router per area of the reader's side; `api.py` mounts them under `sites/{site}/`."""
