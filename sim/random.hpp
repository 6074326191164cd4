#pragma once
// Rng: the simulator's one source of randomness, xoshiro256** seeded through splitmix64, with
// the distributions the port model needs implemented here. The std:: distributions are not
// specified bit-for-bit and differ between standard libraries; these are, so a scenario and a
// seed give the same numbers on every platform and compiler.
//
// Thread safety: none; give each thread (each replication) its own Rng.

#include <cmath>
#include <cstdint>

namespace gatesim::sim {

class Rng {
 public:
  // ensures: the stream is a pure function of `seed`; `stream` picks an independent
  //          sub-stream (arrivals, service, faults...) so adding draws to one part of the model
  //          does not shift the numbers another part sees.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    for (auto& word : s_) word = splitmix64(x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // ensures: uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // ensures: uniform in (0, 1]; safe under log().
  double uniform_open0() { return 1.0 - uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  // requires: 0 < n <= 2^53. ensures: uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)); }
  // requires: rate > 0. ensures: exponential with mean 1/rate.
  double exponential(double rate) { return -std::log(uniform_open0()) / rate; }
  // ensures: standard normal. Marsaglia's polar method: each accepted pair of uniforms gives
  //          two deviates for one log and no cosine; the second is kept for the next call (the
  //          simulator's step times draw several normals per traveller).
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const double scale = std::sqrt(-2 * std::log(s) / s);
    spare_normal_ = v * scale;
    has_spare_normal_ = true;
    return u * scale;
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // ensures: exp(N(mu, sigma)): median e^mu.
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }
  // requires: mean >= 0. ensures: Poisson; Knuth's product method below 30, a rounded normal
  //           with continuity correction above (error far below the model's own).
  std::uint64_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {
      const double limit = std::exp(-mean);
      std::uint64_t k = 0;
      for (double product = uniform_open0(); product > limit; product *= uniform_open0()) ++k;
      return k;
    }
    const double x = std::floor(normal(mean, std::sqrt(mean)) + 0.5);
    return x < 0 ? 0 : static_cast<std::uint64_t>(x);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
};

}  // namespace gatesim::sim
