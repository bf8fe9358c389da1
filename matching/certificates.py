"""What one more certificate would change: the pairs it unblocks or clears of a caveat.

Only the requirement part of the matcher is asked (the certificate filter, the shift and
environment filters and the ``certificates`` feature), and only once per seeker and
distinct (category, requirement) combination of the openings: a certificate changes
nothing else, and every opening of one combination gives the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .features import (
    PreparedOpenings,
    _bit_masks,
    _covered,
    certificate_values,
    encode_seekers,
    requirement_values,
)

GAIN_COLUMNS = ("blocked_pairs", "caveat_pairs", "seekers", "openings", "unlocked_seekers",
                "unlocked_openings")


def certificate_gains(
    seekers: pd.DataFrame, prepared: PreparedOpenings, certificates: Sequence[str]
) -> pd.DataFrame:
    """Count, per certificate, the pairs holding it would unblock or clear of a caveat.

    A pair is a seeker and an opening in one of the categories the seeker chose. With the
    certificate added to the seeker's (nothing else changed) a pair is *blocked* when it
    fails a hard filter today and passes all of them then, a *caveat* when it passes
    today and the ``certificates`` feature (the share of listed certificates held) rises.

    Parameters
    ----------
    seekers : DataFrame
        Seekers with the contract columns.
    prepared : PreparedOpenings
        The openings; their text is not used (``prepare_openings(..., text=False)``
        suffices).
    certificates : sequence of str
        Certificate codes of the taxonomy to try.

    Returns
    -------
    DataFrame
        Indexed by certificate, columns :data:`GAIN_COLUMNS`: ``blocked_pairs``,
        ``caveat_pairs``, ``seekers`` and ``openings`` (distinct ones in either kind of
        pair), ``unlocked_seekers`` and ``unlocked_openings`` (in blocked pairs only).

    Raises
    ------
    ValueError
        If a code is not a certificate of the taxonomy, or a seeker column is invalid.
    """
    taxonomy = prepared.taxonomy
    codes = list(certificates)
    unknown = [code for code in codes if code not in taxonomy.certificate_index]
    if unknown:
        raise ValueError(f"certificates: unknown code {unknown[0]!r}")
    gains = pd.DataFrame(0, index=pd.Index(codes, name="certificate"),
                         columns=list(GAIN_COLUMNS), dtype=np.int64)
    encoded = encode_seekers(seekers, replace(prepared, vectorizer=None))
    si, job = _chosen_jobs(encoded.preference > 0, prepared.job["category"])
    if len(si) == 0:
        return gains
    openings_per_job = np.bincount(prepared.job_idx, minlength=len(prepared.job["category"]))
    weight = openings_per_job[job]
    requirement = prepared.job["requirement"][job]

    values, passes = requirement_values(encoded, si, prepared, requirement)
    other_filters = np.asarray(passes["environment"] & passes["shift"], dtype=bool)
    feasible = other_filters & np.asarray(passes["certificate"], dtype=bool)
    share = np.asarray(values["certificates"])
    # only the rows of openings that list or legally require a certificate can change,
    # and only for seekers whose certificates the code changes
    req = prepared.requirement
    asks = (((req["required"] | req["legal"]) != 0) | req["any_licence"])[requirement]
    raw_held = _bit_masks(encoded.frame["certificates"], taxonomy.certificate_index,
                          "seekers", "certificates")
    n_seekers, n_jobs = len(encoded.held), len(openings_per_job)
    counts = np.zeros((len(codes), len(GAIN_COLUMNS)), dtype=np.int64)
    for i, code in enumerate(codes):
        bit = np.uint64(1) << np.uint64(taxonomy.certificate_index[code])
        held_after = _covered(raw_held | bit, taxonomy)
        rows = np.flatnonzero(asks & (held_after != encoded.held)[si])
        after_share, after_passes = certificate_values(held_after[si[rows]], prepared,
                                                       requirement[rows])
        is_blocked = ~feasible[rows] & other_filters[rows] & np.asarray(after_passes)
        is_caveat = feasible[rows] & (np.asarray(after_share) > share[rows])
        blocked, hit = rows[is_blocked], rows[is_blocked | is_caveat]
        counts[i] = [
            weight[blocked].sum(),
            weight[rows[is_caveat]].sum(),
            _distinct(si[hit], n_seekers),
            openings_per_job[_present(job[hit], n_jobs)].sum(),
            _distinct(si[blocked], n_seekers),
            openings_per_job[_present(job[blocked], n_jobs)].sum(),
        ]
    gains.loc[:, :] = counts
    return gains


def _present(indices: np.ndarray, n: int) -> np.ndarray:
    """A mask of the n positions that occur in `indices` (np.unique without sorting)."""
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _distinct(indices: np.ndarray, n: int) -> int:
    return int(np.count_nonzero(_present(indices, n)))


def _chosen_jobs(chose: np.ndarray, job_category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(seeker, job) index pairs: every (category, requirement) combination of the openings
    in each category a seeker chose."""
    order = np.argsort(job_category, kind="stable")
    first = np.searchsorted(job_category[order], np.arange(chose.shape[1]), side="left")
    last = np.searchsorted(job_category[order], np.arange(chose.shape[1]), side="right")
    seeker, category = np.nonzero(chose)
    counts = (last - first)[category]
    si = np.repeat(seeker, counts)
    # positions first[c], first[c]+1, ... last[c]-1 for each chosen (seeker, category)
    starts = np.repeat(first[category] - np.cumsum(counts) + counts, counts)
    job = order[starts + np.arange(counts.sum())]
    return si.astype(np.int64), job.astype(np.int64)
