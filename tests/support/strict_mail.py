"""Reads the message a maildir holds for one recipient as a strict mail reader would.

usage: strict_mail.py MAILDIR TO
Prints {"subject", "from_name", "from_addr", "longest_line", "longest_word"} as JSON.
Python's email package with policy.strict raises on every defect it knows (raw non-ASCII
in a header among them); lines over 78 characters and encoded-words over 75 (RFC 5322
§2.1.1, RFC 2047 §2) are measured here, since the parser accepts them.
"""
import email
import email.policy
import json
import os
import re
import sys

maildir, to = sys.argv[1], sys.argv[2]
for sub in ("new", "cur"):
    folder = os.path.join(maildir, sub)
    for name in sorted(os.listdir(folder)):
        raw = open(os.path.join(folder, name), "rb").read()
        head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
        if f"To: {to}".encode() not in head:
            continue
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        sender = msg["From"].addresses[0]
        lines = head.replace(b"\r\n", b"\n").split(b"\n")
        words = re.findall(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=", head)
        print(json.dumps({
            "subject": str(msg["Subject"]),
            "from_name": sender.display_name,
            "from_addr": sender.addr_spec,
            "longest_line": max(len(line) for line in lines),
            "longest_word": max((len(w) for w in words), default=0),
        }))
        sys.exit(0)
sys.exit(f"no message to {to} in {maildir}")
