"""audeep.dataset.schema: the file-group helper and the encodings."""

import numpy as np

from audeep.dataset import file_groups
from audeep.dataset.schema import MISSING, as_int_array, as_str_array, rows_per_chunk


def test_file_groups_numbers_distinct_files_in_sorted_order():
    ids = file_groups(np.array(["b.wav", "a.wav", "b.wav", "c.wav", "a.wav"], dtype=object))
    assert ids.dtype == np.int64 and ids.tolist() == [1, 0, 1, 2, 0]
    assert file_groups([]).tolist() == []
    assert file_groups([3, 1, 3]).tolist() == [1, 0, 1]  # any key, compared as str


def test_encodings_of_missing_values():
    assert as_str_array([b"x", None, "", "nan", "y"], allow_missing=True).tolist() == ["x", None, None, None, "y"]
    assert as_int_array([1.0, np.nan, 3.0]).tolist() == [1, MISSING, 3]
    assert 1 <= rows_per_chunk((1000, 1000)) and rows_per_chunk((1,)) == 4096
