#pragma once
// The dashboard's pages, scripts and styles (web/assets/), compiled into the program by
// cmake/embed_assets.cmake: a page never loads anything from another origin.
//
// Thread safety: constant data and pure functions.

#include <cstddef>
#include <string_view>

namespace gatesim::web {

class HttpServer;

struct EmbeddedFile {
  std::string_view name;   // the file's name in web/assets/ ("lanes.html")
  std::string_view bytes;  // its content
};

namespace detail {
extern const EmbeddedFile kFiles[];  // generated, sorted by name
extern const std::size_t kFileCount;
}  // namespace detail

// ensures: the embedded file named `name`; nullptr when there is none.
const EmbeddedFile* find_asset(std::string_view name);

// ensures: the Content-Type for a file name's extension (.html, .js, .css, .png, .svg).
std::string_view content_type_of(std::string_view name);

// ensures: every embedded file served as GET /NAME, and `index` (an embedded file's name) also as
//          GET /, all Access::open: they hold no data, and a browser loads them without a token.
// requires: `index` is embedded; `server` not started.
void serve_assets(HttpServer& server, std::string_view index);

}  // namespace gatesim::web
