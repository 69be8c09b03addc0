#include "data/transform_spec.h"

#include <cerrno>
#include <cstdlib>

#include "core/error.h"

namespace mdq::data {

namespace {

const char* const kForms =
    "random_crop:SIZE[:PADDING], hflip[:P], random_resized_crop:SIZE[:MIN_SCALE[:MAX_SCALE]], "
    "resize:SIZE, center_crop:SIZE";

std::vector<std::string> split_fields(const std::string& spec) {
    std::vector<std::string> out(1);
    for (char ch : spec) {
        if (ch == ':') {
            out.emplace_back();
        } else {
            out.back() += ch;
        }
    }
    return out;
}

// The fields of one spec: its name, then its numbers.
class Fields {
  public:
    explicit Fields(const std::string& spec) : f_(split_fields(spec)) {}

    const std::string& name() const { return f_[0]; }

    void expect_count(size_t lo, size_t hi) const {
        const size_t n = f_.size() - 1;
        if (n < lo || n > hi)
            MDQ_THROW(ValueError, name(), " takes ", lo,
                      lo == hi ? "" : " to " + std::to_string(hi), " number(s) after ':', got ", n,
                      " (forms: ", kForms, ")");
    }
    bool has(size_t i) const { return i < f_.size(); }

    int64_t integer(size_t i) const {
        return number<int64_t>(
            i, [](const char* p, char** end) { return std::strtoll(p, end, 10); },
            "a whole number");
    }
    double real(size_t i) const {
        return number<double>(
            i, [](const char* p, char** end) { return std::strtod(p, end); }, "a number");
    }

  private:
    // Field i read by `parse`, which must take all of it.
    template <class T, class Parse>
    T number(size_t i, Parse parse, const char* what) const {
        const std::string& s = f_[i];
        char* end = nullptr;
        errno = 0;
        const T v = static_cast<T>(parse(s.c_str(), &end));
        if (s.empty() || *end != '\0' || errno == ERANGE)
            MDQ_THROW(ValueError, "'", s, "' is not ", what);
        return v;
    }

    std::vector<std::string> f_;
};

// The transform a spec names; the constructors check the ranges of its numbers.
std::shared_ptr<const Transform> build(const Fields& f) {
    if (f.name() == "random_crop") {
        f.expect_count(1, 2);
        const int64_t size = f.integer(1), padding = f.has(2) ? f.integer(2) : 0;
        return std::make_shared<RandomCrop>(size, padding);
    }
    if (f.name() == "hflip") {
        f.expect_count(0, 1);
        const double p = f.has(1) ? f.real(1) : 0.5;
        return std::make_shared<RandomHorizontalFlip>(static_cast<float>(p));
    }
    if (f.name() == "random_resized_crop") {
        f.expect_count(1, 3);
        const int64_t size = f.integer(1);
        const double lo = f.has(2) ? f.real(2) : 0.08, hi = f.has(3) ? f.real(3) : 1.0;
        return std::make_shared<RandomResizedCrop>(size, std::make_pair(lo, hi));
    }
    if (f.name() == "resize") {
        f.expect_count(1, 1);
        return std::make_shared<Resize>(f.integer(1));
    }
    if (f.name() == "center_crop") {
        f.expect_count(1, 1);
        return std::make_shared<CenterCrop>(f.integer(1));
    }
    MDQ_THROW(ValueError, "unknown transform '", f.name(), "'; the forms are ", kForms);
}

}  // namespace

std::shared_ptr<const Transform> parse_transform(const std::string& spec) {
    try {
        return build(Fields(spec));
    } catch (const Error& e) {
        MDQ_THROW(ValueError, "transform '", spec, "': ", e.what());
    }
}

TransformList parse_transforms(const std::vector<std::string>& specs) {
    TransformList out;
    out.reserve(specs.size());
    for (const std::string& s : specs)
        out.push_back(parse_transform(s));
    return out;
}

}  // namespace mdq::data
