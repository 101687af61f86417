#!/usr/bin/python3
"""Builds the zxcvbn agreement corpus: passwords of many kinds, each scored by the oracle,
Debian's python3-zxcvbn (a port of zxcvbn 4.4). Writes one JSON object per line:
{"password", "user_inputs", "score", "guesses_log10"}. The C++ test reads the file, so the
test itself needs no Python.

    /usr/bin/python3 tests/data/zxcvbn/generate_corpus.py > tests/data/zxcvbn/corpus.jsonl

Deterministic (fixed seed). The oracle pins REFERENCE_YEAR = 2017 for dates and years, so
the C++ side scores this corpus with reference_year 2017.
"""
import json
import random
import string
import sys

from zxcvbn import zxcvbn
from zxcvbn.adjacency_graphs import ADJACENCY_GRAPHS
from zxcvbn.frequency_lists import FREQUENCY_LISTS

rng = random.Random(20261124)
L33T = {'a': '4@', 'b': '8', 'c': '({[<', 'e': '3', 'g': '69', 'i': '1!|', 'l': '1|7', 'o': '0', 's': '$5', 't': '+7',
        'x': '%', 'z': '2'}
SUFFIXES = ['', '', '!', '1', '12', '123', '2024', '?', '!!', '99', '#', '2015', '.']
words = FREQUENCY_LISTS['english_wikipedia'][:5000]
names = FREQUENCY_LISTS['female_names'][:1000] + FREQUENCY_LISTS['male_names'][:500] + FREQUENCY_LISTS['surnames'][:1000]
cases = []  # (password, user_inputs)


def add(pw, inputs=()):
    if pw and all(c not in pw for c in '\t\r\n') and len(pw) <= 128:
        cases.append((pw, list(inputs)))


def cap(w):
    return w[:1].upper() + w[1:]


# 1. Top entries of every frequency list.
for name, n in [('passwords', 900), ('english_wikipedia', 400), ('female_names', 150), ('male_names', 150),
                ('surnames', 200), ('us_tv_and_film', 200)]:
    for w in FREQUENCY_LISTS[name][:n]:
        add(w)
# Less common words, capitalised or with a digit.
for w in rng.sample(FREQUENCY_LISTS['passwords'][1000:], 200) + rng.sample(FREQUENCY_LISTS['english_wikipedia'][5000:], 200):
    add(rng.choice([w, cap(w), w + str(rng.randint(0, 99)), w.upper()]))

# 2. Passphrases of 2-4 common words with suffixes.
for _ in range(1300):
    k = rng.choice([2, 2, 3, 3, 4])
    ws = [rng.choice(words if rng.random() < 0.85 else names) for _ in range(k)]
    style = rng.random()
    if style < 0.3:
        ws = [cap(w) for w in ws]
    sep = rng.choice(['', '', '', ' ', '-', '_', '.'])
    add(sep.join(ws) + rng.choice(SUFFIXES))

# 3. l33t variants.
for _ in range(500):
    w = rng.choice(words[:3000] + FREQUENCY_LISTS['passwords'][:2000])
    out = ''.join(rng.choice(L33T[c]) if c in L33T and rng.random() < 0.6 else c for c in w)
    add(out + rng.choice(SUFFIXES))

# 4. Keyboard walks on every graph, straight and with turns.
for graph_name, graph in ADJACENCY_GRAPHS.items():
    keys = [k for k in graph.keys()]
    for _ in range(100):
        cur = rng.choice(keys)
        walk = cur
        for _ in range(rng.randint(3, 12)):
            options = [n for n in graph[cur] if n]
            if not options:
                break
            nxt = rng.choice(options)
            ch = nxt[0] if rng.random() < 0.8 or len(nxt) < 2 else nxt[1]
            if ch not in graph:
                break
            walk += ch
            cur = ch
        add(walk)
for row in ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890', 'qazwsxedc', '1qaz2wsx3edc', '!@#$%^&*()', 'poiuytrewq']:
    for n in range(4, len(row) + 1):
        add(row[:n])
        add(row[:n] + rng.choice(SUFFIXES))

# 5. Dates in many formats.
for _ in range(400):
    y = rng.randint(1930, 2040)
    m = rng.randint(1, 12)
    d = rng.randint(1, 31)
    fmt = rng.choice(['%d%02d%02d', '%02d%02d%d', '%d/%d/%d', '%d-%02d-%02d', '%02d.%02d.%02d', '%d%d%d', '%02d_%02d_%d'])
    parts = {'%d%02d%02d': (y, m, d), '%02d%02d%d': (m, d, y), '%d/%d/%d': (m, d, y % 100), '%d-%02d-%02d': (y, m, d),
             '%02d.%02d.%02d': (d, m, y % 100), '%d%d%d': (d, m, y), '%02d_%02d_%d': (d, m, y)}[fmt]
    date = fmt % parts
    add(rng.choice(['', rng.choice(words[:500]), cap(rng.choice(names))]) + date + rng.choice(['', '', '!']))
for y in range(1950, 2031):
    add(str(y))
    add(rng.choice(words[:1000]) + str(y))

# 6. Repeats.
for _ in range(250):
    base = rng.choice(['a', 'ab', 'abc', '1', '12', 'xy', '!', 'Aa1'] + words[:200] + FREQUENCY_LISTS['passwords'][:100])
    add(base * rng.randint(2, 6) + rng.choice(['', '', '1', '!']))

# 7. Sequences.
alphabets = [string.ascii_lowercase, string.ascii_uppercase, string.digits, 'αβγδεζηθικλμνξοπρστυφχψω']
for _ in range(250):
    a = rng.choice(alphabets)
    step = rng.choice([1, 1, 1, 2, 3, -1, -1, -2])
    start = rng.randrange(len(a))
    n = rng.randint(3, 12)
    seq = ''.join(a[(start + k * step) % len(a)] for k in range(n))
    add(rng.choice(['', '', rng.choice(words[:300])]) + seq)

# 8. Random strings of many lengths and alphabets.
pools = [string.ascii_lowercase, string.ascii_letters + string.digits, string.printable.strip(),
         string.digits, 'abcdefghijklmnopqrstuvwxyzéèàüöñçß', 'あいうえおかきくけこ日本語パスワード', string.ascii_lowercase + ' ']
for _ in range(1000):
    pool = rng.choice(pools)
    n = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 10, 11, 12, 12, 14, 16, 20, 24, 32, 40, 64])
    add(''.join(rng.choice(pool) for _ in range(n)))

# 9. Derived from user inputs (email and username are passed as user inputs).
for _ in range(500):
    first = rng.choice(names)
    last = rng.choice(FREQUENCY_LISTS['surnames'][:2000])
    username = rng.choice([first + last, first[0] + last, first + str(rng.randint(1, 99)), first + '_' + last])
    email = '%s.%s@%s' % (first, last, rng.choice(['example.com', 'gmail.com', 'mail.org']))
    pw = rng.choice([username, username + '!', cap(username) + str(rng.randint(1970, 2020)), email, last + first,
                     username[::-1], username + rng.choice(words[:2000]), rng.choice(words[:2000]) + username])
    add(pw, [email, username])

# 10. Long inputs up to the 128-character cap.
for _ in range(60):
    kind = rng.random()
    if kind < 0.3:
        pw = rng.choice(words[:500]) * 40
    elif kind < 0.6:
        pw = ' '.join(rng.choice(words) for _ in range(30))
    else:
        pw = ''.join(rng.choice(string.printable.strip()) for _ in range(rng.randint(60, 128)))
    add(pw[:128])

seen = set()
out = sys.stdout
count = 0
for pw, inputs in cases:
    key = (pw, tuple(inputs))
    if key in seen:
        continue
    seen.add(key)
    r = zxcvbn(pw, user_inputs=inputs)
    out.write(json.dumps({'password': pw, 'user_inputs': inputs, 'score': r['score'],
                          'guesses_log10': round(float(r['guesses_log10']), 6)}, ensure_ascii=False) + '\n')
    count += 1
print('generate_corpus: %d passwords' % count, file=sys.stderr)
