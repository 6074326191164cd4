#include "web/assets.hpp"

#include <cassert>
#include <string>

#include "web/http_server.hpp"

namespace gatesim::web {

const EmbeddedFile* find_asset(std::string_view name) {
  for (std::size_t i = 0; i < detail::kFileCount; ++i)
    if (detail::kFiles[i].name == name) return &detail::kFiles[i];
  return nullptr;
}

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

void serve_assets(HttpServer& server, std::string_view index) {
  assert(find_asset(index));
  for (std::size_t i = 0; i < detail::kFileCount; ++i) {
    const EmbeddedFile file = detail::kFiles[i];
    const auto handler = [file] { return HttpResponse{200, std::string(content_type_of(file.name)), std::string(file.bytes)}; };
    std::string path = "/";  // appended, not "/" + name: g++ 12 -O3 warns falsely (-Wrestrict) on that
    path += file.name;
    server.get(path, handler, Access::open);
    if (file.name == index) server.get("/", handler, Access::open);
  }
}

}  // namespace gatesim::web
