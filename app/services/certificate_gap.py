"""Which certificates would open the most openings for a facility's seekers (the course gap).

The matcher decides, as everywhere else in Qibu, whether a seeker may be recommended an
opening: this module asks it the same question twice, once with the certificates the
seeker holds and once with one more, and counts the answers that change.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

import matching
from app.services.matching import openings_frame, reference, seekers_frame
from models import Opening, Seeker


@dataclass(frozen=True)
class CertificateGap:
    """What holding one more certificate would change for a group of seekers.

    A (seeker, opening) pair is counted when the opening is in one of the categories the
    seeker chose in their latest survey and, with this certificate added to the seeker's
    (and nothing else changed):

    * ``blocked_pairs``: the pair fails the matcher's certificate filter today (a legally
      required certificate or, for drivers, the listed licence is missing) and would then
      pass every hard filter (certificate, shift and environment);
    * ``caveat_pairs``: the pair passes every filter today but the opening lists a
      certificate the seeker lacks (the "missing certificate" caveat) that this one
      would provide (a higher driving licence provides the lower ones).

    ``seekers`` and ``openings`` count the distinct seekers and openings in those pairs.
    ``unlocked_seekers`` and ``unlocked_openings`` count those of the blocked pairs only:
    the people for whom the certificate would add at least one opening to the openings
    they may be recommended, and the openings it would add for them (a seeker who already
    holds the certificate has no blocked pair it would open).
    """

    certificate: str
    blocked_pairs: int = 0
    caveat_pairs: int = 0
    seekers: int = 0
    openings: int = 0
    unlocked_seekers: int = 0
    unlocked_openings: int = 0

    @property
    def pairs(self) -> int:
        return self.blocked_pairs + self.caveat_pairs


def _chosen_category_pairs(seekers: pd.DataFrame, openings: pd.DataFrame) -> pd.DataFrame:
    by_category: dict[str, list[str]] = {}
    for opening_id, category in zip(openings["opening_id"], openings["category"], strict=True):
        by_category.setdefault(category, []).append(opening_id)
    pairs = [(seeker_id, opening_id)
             for seeker_id, categories in zip(seekers["seeker_id"], seekers["categories"],
                                              strict=True)
             for category in dict.fromkeys(categories)
             for opening_id in by_category.get(category, [])]
    return pd.DataFrame(pairs, columns=["seeker_id", "opening_id"], dtype=object)


def certificate_gaps(seekers: list[Seeker], openings: list[Opening],
                     certificates: list[str] | None = None) -> dict[str, CertificateGap]:
    """Count, per certificate, the pairs it would unblock or clear of a caveat.

    Parameters
    ----------
    seekers : the seekers (surveys loaded); each one's latest survey is used.
    openings : the open openings to consider.
    certificates : certificate codes to try (default: every certificate of the taxonomy).
    """
    taxonomy, geography = reference()
    codes = list(certificates) if certificates is not None else list(taxonomy.certificates)
    seeker_rows = seekers_frame(seekers)
    opening_rows = openings_frame(openings)
    pairs = _chosen_category_pairs(seeker_rows, opening_rows)
    if pairs.empty:
        return {code: CertificateGap(code) for code in codes}
    prepared = matching.prepare_openings(opening_rows, taxonomy=taxonomy, geography=geography)
    before = matching.pair_features(seeker_rows, prepared, pairs)
    feasible = before["feasible"].to_numpy(dtype=bool)
    held_share = before["certificates"].to_numpy(dtype=float)
    gaps = {}
    for code in codes:
        with_code = seeker_rows.assign(certificates=seeker_rows["certificates"].map(
            lambda held, code=code: list(dict.fromkeys([*held, code]))))
        after = matching.pair_features(with_code, prepared, pairs)
        blocked = ~feasible & after["feasible"].to_numpy(dtype=bool)
        caveat = feasible & (after["certificates"].to_numpy(dtype=float) > held_share)
        hit = blocked | caveat
        gaps[code] = CertificateGap(
            certificate=code,
            blocked_pairs=int(np.count_nonzero(blocked)),
            caveat_pairs=int(np.count_nonzero(caveat)),
            seekers=int(pairs["seeker_id"][hit].nunique()),
            openings=int(pairs["opening_id"][hit].nunique()),
            unlocked_seekers=int(pairs["seeker_id"][blocked].nunique()),
            unlocked_openings=int(pairs["opening_id"][blocked].nunique()),
        )
    return gaps


__all__ = ["CertificateGap", "certificate_gaps"]
