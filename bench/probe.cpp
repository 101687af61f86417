// A fixed-rate latency probe: one keep-alive connection, one GET every 1/RATE seconds,
// latency percentiles at the end. Unlike a second wrk it does not itself load the machine.
//   bench_probe PORT PATH RATE_PER_SECOND SECONDS
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: bench_probe PORT PATH RATE_PER_SECOND SECONDS\n";
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
    const std::string path = argv[2];
    const double rate = std::stod(argv[3]), seconds = std::stod(argv[4]);
    boost::asio::io_context io;
    tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::beast::flat_buffer buffer;
    std::vector<double> ms;
    int errors = 0;
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    const auto start = std::chrono::steady_clock::now();
    auto next = start;
    while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds)) {
        std::this_thread::sleep_until(next);
        next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
        http::request<http::empty_body> req{http::verb::get, path, 11};
        req.set(http::field::host, "127.0.0.1");
        const auto t0 = std::chrono::steady_clock::now();
        http::write(socket, req);
        http::response<http::string_body> res;
        http::read(socket, buffer, res);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (res.result_int() != 200) ++errors;
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))]; };
    std::cout << "requests " << ms.size() << " non_200 " << errors << " p50_ms " << pct(0.50) << " p99_ms " << pct(0.99)
              << " max_ms " << (ms.empty() ? 0.0 : ms.back()) << "\n";
    return errors ? 1 : 0;
}
