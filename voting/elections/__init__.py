"""Elections: meetings, preparing votes, the key ceremony, casting, closing, decryption,
results, the public check page and the election record."""
