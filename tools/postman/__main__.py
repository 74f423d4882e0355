"""``python -m tools.postman``: the same as ``python -m tools.postman_collection``."""

import sys

from tools.postman.collection import main

sys.exit(main())
