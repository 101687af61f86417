-- wrk script: POST /api/auth/login with the benchmark account (LOGIN, PASSWORD from env).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"login":"%s","password":"%s"}', os.getenv("BENCH_LOGIN"), os.getenv("BENCH_PASSWORD"))
