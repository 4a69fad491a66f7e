"""An SMTP sink for Replyguard's tests: aiosmtpd listening on 127.0.0.1:PORT (the first
argument), printing "ready" once it accepts connections, then one JSON line per message:
{"to": [envelope recipients], "data": the message as received}."""

import json
import sys
import threading

from aiosmtpd.controller import Controller


class Print:
    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        line = {"to": envelope.rcpt_tos, "data": data.decode("utf-8", "replace")}
        print(json.dumps(line), flush=True)
        return "250 OK queued"


controller = Controller(Print(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
threading.Event().wait()
