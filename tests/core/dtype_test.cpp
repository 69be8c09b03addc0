// The dtype table: sizes, names, parsing every spelling, the floating/integer split, and errors.
#include "core/dtype.h"

#include <string>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Tensor, DtypeNames) {
    EXPECT_EQ(dtype_from_name("bf16"), DType::BF16);
    EXPECT_EQ(dtype_from_name("BOOL"), DType::U8);
    EXPECT_TRUE(throws_with([] { dtype_from_name("f8"); }, {"unknown dtype 'f8'"}));
    EXPECT_EQ(dtype_size(DType::BF16), 2u);
}

TEST(DType, EverySpellingParsesAndTraitsMatchTheType) {
    struct Row {
        DType dt;
        const char *name, *long_name, *enum_name;
        size_t size;
        bool floating;
    };
    const Row rows[] = {{DType::F32, "f32", "float32", "F32", 4, true},
                        {DType::F64, "f64", "float64", "F64", 8, true},
                        {DType::BF16, "bf16", "bfloat16", "BF16", 2, true},
                        {DType::F16, "f16", "float16", "F16", 2, true},
                        {DType::I32, "i32", "int32", "I32", 4, false},
                        {DType::I64, "i64", "int64", "I64", 8, false},
                        {DType::U8, "u8", "uint8", "U8", 1, false}};
    for (const Row& r : rows) {
        EXPECT_STREQ(dtype_name(r.dt), r.name);
        EXPECT_EQ(dtype_size(r.dt), r.size) << r.name;
        EXPECT_EQ(is_floating(r.dt), r.floating) << r.name;
        for (const char* spelling : {r.name, r.long_name, r.enum_name})
            EXPECT_EQ(dtype_from_name(spelling), r.dt) << spelling;
    }
    EXPECT_EQ(DTypeOf<float>::value, DType::F32);
    EXPECT_EQ(DTypeOf<bf16>::value, DType::BF16);
    EXPECT_EQ(DTypeOf<uint8_t>::value, DType::U8);
    // The error lists what is accepted.
    EXPECT_TRUE(
        testing::throws_with([] { dtype_from_name("Float32"); },
                             {"unknown dtype 'Float32'", "f32, f64, bf16, f16, i32, i64, u8"}));
}

}  // namespace
}  // namespace mdq
