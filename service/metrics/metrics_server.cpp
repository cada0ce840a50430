#include "service/metrics/metrics_server.hpp"

#include <utility>  // before Boost.Asio (GCC 12 / Boost 1.74)

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace authwatch::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// What the server's thread and its connections share (MetricsServer::Impl is this).
struct ServerState {
  // Before the io_context: connections still queued in it are destroyed with it and count down.
  std::atomic<size_t> connections{0};
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  tcp::endpoint bound;
  std::thread thread;
  mutable std::mutex mutex;
  std::shared_ptr<const std::string> exposition = std::make_shared<const std::string>();

  std::shared_ptr<const std::string> current() const {
    std::lock_guard lock(mutex);
    return exposition;
  }
  void accept();
};


// One connection: requests are read and answered in turn (keep-alive) until the client closes,
// a request is malformed or too big, or the timeout passes.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerState& server) : stream_(std::move(socket)), server_(server) { ++server_.connections; }
  ~Connection() { --server_.connections; }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxRequestBytes));
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(kConnectionTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) return close();  // closed by the client, timed out, too big or not HTTP
    const auto& request = parser_->get();
    response_ = {};
    response_.version(request.version());
    response_.keep_alive(request.keep_alive());
    response_.set(http::field::server, "authwatch");
    const auto target = request.target();
    const auto path = target.substr(0, target.find('?'));
    if (path != "/metrics") {
      response_.result(http::status::not_found);
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "Not found: AuthWatch serves GET /metrics only.\n";
    } else if (request.method() != http::verb::get) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET");
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "Method not allowed: GET /metrics only.\n";
    } else {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, kContentType);
      response_.body() = *server_.current();
    }
    response_.prepare_payload();
    stream_.expires_after(kConnectionTimeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code write_ec, size_t) {
      if (write_ec || !self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ServerState& server_;
  beast::flat_buffer buffer_{kMaxRequestBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void ServerState::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (connections.load() >= kMaxConnections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the bound: dropped at once, the scraper retries
      } else {
        std::make_shared<Connection>(std::move(socket), *this)->read();
      }
    }
    accept();
  });
}

}  // namespace

struct MetricsServer::Impl : ServerState {};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenEndpoint& at) {
  auto impl = std::make_unique<Impl>();
  const std::string where = at.host + ":" + std::to_string(at.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(at.host, ec);
  if (ec) {
    tcp::resolver resolver(impl->io);
    auto found = resolver.resolve(at.host, std::to_string(at.port), ec);
    if (ec || found.empty()) return Error{"metrics: cannot resolve " + at.host + ": " + ec.message()};
    address = found.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, at.port);
  impl->acceptor.open(endpoint.protocol(), ec);
#ifdef _WIN32
  // Windows' SO_REUSEADDR would let another process bind the same port and take the scrapes;
  // SO_EXCLUSIVEADDRUSE forbids that. Best effort: where it is refused (Wine), the plain bind stays.
  if (!ec) {
    using exclusive_address_use = asio::detail::socket_option::boolean<SOL_SOCKET, SO_EXCLUSIVEADDRUSE>;
    boost::system::error_code ignored;
    impl->acceptor.set_option(exclusive_address_use(true), ignored);
  }
#else
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);  // a restart is not held up by TIME_WAIT
#endif
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"metrics: cannot listen on " + where + ": " + ec.message()};
  impl->bound = impl->acceptor.local_endpoint(ec);
  Impl* raw = impl.get();
  raw->accept();
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::~MetricsServer() {
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

void MetricsServer::publish(std::string exposition) {
  auto next = std::make_shared<const std::string>(std::move(exposition));
  std::lock_guard lock(impl_->mutex);
  impl_->exposition = std::move(next);
}

uint16_t MetricsServer::port() const { return impl_->bound.port(); }

std::string MetricsServer::address() const {
  const auto& endpoint = impl_->bound;
  const auto host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(endpoint.port());
}

}  // namespace authwatch::service
