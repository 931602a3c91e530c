"""The case: the case folder's database (its store), the hash-chained custody log
and the seals that vouch for the records, the hashes of the evidence media, and the
lock that keeps one writer at a time. Everything a court may ask to be shown about
what was examined, and that it was not changed, is here."""
