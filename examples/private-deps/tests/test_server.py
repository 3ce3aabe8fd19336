"""The routes, through a real server on a free loopback port (no network beyond it)."""

import json
import threading
import unittest
import urllib.error
import urllib.request

from app.server import make_server


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = make_server(0)
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + path) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    def test_healthcheck_reports_the_build(self) -> None:
        status, body = self.get("/healthcheck")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertIn("commit", body)

    def test_greets_with_the_private_package(self) -> None:
        status, body = self.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(body["message"], "Hello, Fargate, from acme-greeting 1.0.0")

    def test_unknown_path_is_404(self) -> None:
        status, _ = self.get("/nope")
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
