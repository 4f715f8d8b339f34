"""Reference token ids: python tokenizers on a tokenizer.json. Usage: token_ids.py TOKENIZER_JSON STRINGS_JSON OUT_JSON"""
import json
import sys

from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])
strings = json.load(open(sys.argv[2]))
json.dump([tok.encode(s).ids for s in strings], open(sys.argv[3], "w"))
