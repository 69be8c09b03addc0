# Host libraries, all from Debian/Ubuntu packages (tools/install_deps.sh installs them).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(ZLIB REQUIRED)
find_package(JPEG REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)

# OpenBLAS: Debian ships no CMake config; find the library and cblas.h ourselves.
find_library(MDQ_OPENBLAS_LIB NAMES openblas REQUIRED)
find_path(MDQ_CBLAS_INCLUDE NAMES cblas.h PATH_SUFFIXES openblas x86_64-linux-gnu/openblas-pthread
          x86_64-linux-gnu REQUIRED)

find_package(MPI COMPONENTS C)
set(MDQ_WITH_MPI ${MPI_C_FOUND})

add_library(mdq_deps INTERFACE)
target_include_directories(mdq_deps INTERFACE ${MDQ_CBLAS_INCLUDE})
target_link_libraries(mdq_deps INTERFACE ${MDQ_OPENBLAS_LIB} OpenMP::OpenMP_CXX Threads::Threads
                      ZLIB::ZLIB JPEG::JPEG nlohmann_json::nlohmann_json)
if(MDQ_WITH_MPI)
  # The C API only: mpi.h would otherwise pull in OpenMPI's C++ bindings (not linked).
  target_link_libraries(mdq_deps INTERFACE MPI::MPI_C)
  target_compile_definitions(mdq_deps INTERFACE OMPI_SKIP_MPICXX MPICH_SKIP_MPICXX)
endif()

# CLI11 is header-only and only the command line tool uses it.
find_path(MDQ_CLI11_INCLUDE NAMES CLI/CLI.hpp REQUIRED)
add_library(mdq_tool_deps INTERFACE)
target_include_directories(mdq_tool_deps INTERFACE ${MDQ_CLI11_INCLUDE})

find_package(GTest)
find_package(benchmark QUIET)
