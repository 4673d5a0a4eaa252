"""The one error of bad input, at the bottom floor: every reader (``model.inputs.data``,
``model.io.safeio``, the front doors) raises it, so it imports nothing of the project."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input: says which file, which field and which value."""

    def __init__(self, file: str | Path, field: str, value: object, problem: str) -> None:
        self.file, self.field, self.value, self.problem = str(file), field, value, problem
        # no value (a missing column, a whole file) is said in words, never as "= None"
        where = f"{file}" if field in ("", "-") else f"{file}: field '{field}'"
        super().__init__(where + ("" if value is None else f" = {value!r}") + f": {problem}")

    def __reduce__(self) -> tuple:
        # rebuilt from its four parts, so it crosses a process pool or a Dask worker
        return type(self), (self.file, self.field, self.value, self.problem)
