// Safetensors round trips, atomic replacement, and corrupt/truncated/unwritable cases.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include "data/safetensors.h"
#include "tests/testing/small_fs.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "/mdq_st_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
    std::map<std::string, Tensor> t;
    t["a.f32"] = testing::random_tensor({3, 4}, 1);
    t["b.f64"] = testing::random_tensor({5}, 2, -1, 1, DType::F64);
    t["c.bf16"] = testing::random_tensor({2, 2}, 3).to(DType::BF16);
    t["d.i64"] = arange(7);
    t["e.u8"] = Tensor::from_vector<uint8_t>({1, 0, 255}, {3});
    t["f.scalar"] = Tensor::scalar(3.5);
    t["g.strided"] = testing::random_tensor({4, 3}, 4).permute({1, 0});
    t["h.empty"] = Tensor::zeros({0, 3});
    const std::string p = temp_path("rt.safetensors");
    save_safetensors(p, t, {{"step", "42"}, {"model", "lenet5"}});
    const SafetensorsFile f = load_safetensors(p);
    EXPECT_EQ(f.metadata.at("step"), "42");
    EXPECT_EQ(f.metadata.at("model"), "lenet5");
    ASSERT_EQ(f.tensors.size(), t.size());
    for (const auto& [name, v] : t) {
        const Tensor& r = f.tensors.at(name);
        EXPECT_EQ(r.dtype(), v.dtype()) << name;
        EXPECT_TRUE(testing::all_equal(r, v)) << name;
    }
    // The header length field is little-endian and the data start is 8-byte aligned.
    const std::string raw = read_all(p);
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<uint64_t>(static_cast<unsigned char>(raw[i])) << (8 * i);
    EXPECT_EQ(n % 8, 0u);
    EXPECT_EQ(raw[8], '{');
    std::remove(p.c_str());
}

// A real full disk: a tmpfs of 256 KB, filled but for a few KB.
TEST(Safetensors, FullDiskKeepsThePreviousFile) {
    testing::SmallFilesystem fs(256 << 10);
    if (!fs.mounted()) GTEST_SKIP() << fs.reason();
    const std::string p = fs.path() + "/last.safetensors";
    save_safetensors(p, {{"w", Tensor::ones({4})}});
    const std::string before = read_all(p);
    fs.fill(8192);
    EXPECT_TRUE(throws_with(
        [&] {
            save_safetensors(p, {{"w", Tensor::ones({100000})}});
        },
        {"cannot write '" + p + "'", "No space left on device", "unchanged"}));
    EXPECT_EQ(read_all(p), before);
    EXPECT_TRUE(testing::all_equal(load_safetensors(p).tensors.at("w"), Tensor::ones({4})));
    EXPECT_EQ(fs.listing(), "fill.bin last.safetensors");  // no temporary file left behind
    // Where nothing was there before, nothing is left under the final name either.
    EXPECT_TRUE(
        throws_with([&] { write_file_atomic(fs.path() + "/new.json", std::string(65536, 'x')); },
                    {"new.json", "No space left on device"}));
    EXPECT_EQ(fs.listing(), "fill.bin last.safetensors");
}

// The same through a file-size limit, which fails write() in the kernel (EFBIG) without a
// mount, so it runs on every machine.
TEST(Safetensors, FailedWriteKeepsThePreviousFile) {
    const std::string p = temp_path("keep.safetensors");
    save_safetensors(p, {{"w", Tensor::ones({4})}});
    const std::string before = read_all(p);
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = 4096;
    setrlimit(RLIMIT_FSIZE, &small);
    const bool threw = throws_with(
        [&] {
            save_safetensors(p, {{"w", Tensor::ones({100000})}});
        },
        {"cannot write", ".tmp."});
    setrlimit(RLIMIT_FSIZE, &old);
    EXPECT_TRUE(threw);
    EXPECT_EQ(read_all(p), before);
    EXPECT_TRUE(testing::all_equal(load_safetensors(p).tensors.at("w"), Tensor::ones({4})));
    std::remove(p.c_str());
}

TEST(Safetensors, UnwritableFolderIsAClearError) {
    // A path below a regular file cannot be created, even by root.
    const std::string file = temp_path("plainfile");
    std::ofstream(file) << "x";
    EXPECT_TRUE(throws_with(
        [&] {
            save_safetensors(file + "/ckpt.safetensors", {{"w", Tensor::ones({1})}});
        },
        {"cannot create", "plainfile/ckpt.safetensors"}));
    std::remove(file.c_str());
}

TEST(Safetensors, CorruptFilesNameTheProblem) {
    const std::string p = temp_path("bad.safetensors");
    EXPECT_TRUE(
        throws_with([&] { load_safetensors(p + ".missing"); }, {"cannot open", ".missing"}));
    std::ofstream(p, std::ios::binary) << "abc";
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"truncated", "3 bytes"}));
    save_safetensors(p, {{"w", Tensor::ones({64})}});
    std::string raw = read_all(p);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << raw.substr(0, raw.size() - 10);
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"tensor 'w'", "data_offsets"}));
    raw[9] = '#';  // break the JSON
    std::ofstream(p, std::ios::binary | std::ios::trunc) << raw;
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"corrupt JSON header"}));
    std::remove(p.c_str());
}

// Headers the fuzzer found (tests/fuzz/corpus/safetensors): well-formed JSON of the wrong
// shape escaped as nlohmann::json exceptions, or overflowed the element count.
TEST(Safetensors, WrongHeaderShapesAreIoErrors) {
    const std::string p = temp_path("shape.safetensors");
    auto write_header = [&](const std::string& json) {
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i)
            bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
        std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes << json;
    };
    write_header("[1, 2]");
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"header is a JSON array"}));
    write_header(R"({"__metadata__": {"format": [1]}})");
    EXPECT_TRUE(
        throws_with([&] { load_safetensors(p); }, {"metadata 'format'", "expected a string"}));
    write_header(R"({"__metadata__": 3})");
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"__metadata__ is a JSON number"}));
    write_header(
        R"({"t": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}})");
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"tensor 't'", "int64"}));
    write_header(R"({"t": {"dtype": "F32", "shape": [-1, -4], "data_offsets": [0, 16]}})");
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"tensor 't'", "negative dimension"}));
    write_header(R"({"t": {"dtype": "F32", "shape": "x", "data_offsets": [0, 0]}})");
    EXPECT_TRUE(throws_with([&] { load_safetensors(p); }, {"tensor 't'"}));
    std::remove(p.c_str());
}

}  // namespace
}  // namespace mdq
