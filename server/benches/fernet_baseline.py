"""The reference design's token cipher, measured the way `cargo bench --bench vault` measures ours.

    python3 -m venv /tmp/fernet && /tmp/fernet/bin/pip install cryptography
    /tmp/fernet/bin/python server/benches/fernet_baseline.py
"""

import os
import timeit

from cryptography.fernet import Fernet

fernet = Fernet(Fernet.generate_key())
for size, rounds in ((200, 200_000), (2048, 50_000)):
    token = os.urandom(size)
    sealed = fernet.encrypt(token)
    seal = timeit.timeit(lambda: fernet.encrypt(token), number=rounds) / rounds
    open_ = timeit.timeit(lambda: fernet.decrypt(sealed), number=rounds) / rounds
    print(
        f"{size:>5} B  seal {seal * 1e6:6.2f} µs ({1 / seal:>9,.0f}/s)"
        f"  open {open_ * 1e6:6.2f} µs ({1 / open_:>9,.0f}/s)"
    )
