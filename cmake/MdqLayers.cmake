# The library's layering, enforced by the build (docs/DESIGN.md, "Folders"): one object library
# per folder, compiled against an include view of the source tree that holds only that folder
# and the folders it may use, so an upward #include fails with "No such file or directory".
#
#   core < kernels < layers < models;  data uses core only;  optim (the optimizers) uses
#   core, kernels and layers;  optim/train (the training driver) uses everything below it.
#
# tools/check_layers.py checks the same table on the include graph (CI runs it as
# tool.check_layers), which also catches what a view cannot: an include that skips a level
# (models -> kernels) or a relative path.

# Sources of a folder are picked by name: *_cuda.cpp / *_cublas.cpp and *.cu need CUDA,
# *_cudnn.cpp needs cuDNN, *_nccl.cpp needs NCCL, *_mpi.cpp needs MPI.
function(mdq_backend_sources out)
  set(kept)
  foreach(src ${ARGN})
    if(src MATCHES "\\.cu$" OR src MATCHES "_(cuda|cublas)\\.cpp$")
      set(need MDQ_WITH_CUDA)
    elseif(src MATCHES "_cudnn\\.cpp$")
      set(need MDQ_WITH_CUDNN)
    elseif(src MATCHES "_nccl\\.cpp$")
      set(need MDQ_WITH_NCCL)
    elseif(src MATCHES "_mpi\\.cpp$")
      set(need MDQ_WITH_MPI)
    else()
      set(need "")
    endif()
    if(need STREQUAL "")
      list(APPEND kept ${src})
    elseif(${need})
      list(APPEND kept ${src})
    endif()
  endforeach()
  set(${out} ${kept} PARENT_SCOPE)
endfunction()

# Makes VIEW/DIR show the source folder DIR, without the subfolders named in EXCLUDE (one
# link per entry then, refreshed when an entry appears or goes).
function(mdq_view_folder view dir exclude)
  if(NOT exclude)
    file(MAKE_DIRECTORY ${view})
    get_filename_component(parent ${view}/${dir} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir} ${view}/${dir} SYMBOLIC)
    return()
  endif()
  file(REMOVE_RECURSE ${view}/${dir})
  file(MAKE_DIRECTORY ${view}/${dir})
  file(GLOB entries CONFIGURE_DEPENDS LIST_DIRECTORIES true RELATIVE ${PROJECT_SOURCE_DIR}/${dir}
       ${PROJECT_SOURCE_DIR}/${dir}/*)
  foreach(entry ${entries})
    if(NOT entry IN_LIST exclude)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir}/${entry} ${view}/${dir}/${entry} SYMBOLIC)
    endif()
  endforeach()
endfunction()

# mdq_folder_library(NAME DIR dir [EXCLUDE subdir...] [DEPS target...])
function(mdq_folder_library name)
  cmake_parse_arguments(ARG "" "DIR" "EXCLUDE;DEPS" ${ARGN})
  file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${ARG_DIR}/*.cpp
       ${PROJECT_SOURCE_DIR}/${ARG_DIR}/*.cu)
  foreach(sub ${ARG_EXCLUDE})
    list(FILTER found EXCLUDE REGEX "^${PROJECT_SOURCE_DIR}/${ARG_DIR}/${sub}/")
  endforeach()
  mdq_backend_sources(sources ${found})
  add_library(${name} OBJECT ${sources})

  set(view ${PROJECT_BINARY_DIR}/views/${name})
  mdq_view_folder(${view} ${ARG_DIR} "${ARG_EXCLUDE}")
  target_include_directories(${name} PUBLIC ${view} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} mdq_deps)
  mdq_set_warnings(${name})
  mdq_setup_cuda_target(${name})
  # The CPU reference and the CUDA kernels share their math headers; with no contraction into
  # fused multiply-adds they round alike (transcendental functions aside). Headers reached
  # through the view name their files as the tree does in messages (__FILE__).
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off -fmacro-prefix-map=${view}/=>
    $<$<COMPILE_LANGUAGE:CUDA>:--fmad=false -Xcompiler=-ffp-contract=off,-fmacro-prefix-map=${view}/=>)
  set_property(GLOBAL APPEND PROPERTY MDQ_FOLDER_LIBRARIES ${name})
endfunction()

# The library everything outside it links: the objects of every folder in one archive, so the
# few primitives core declares and kernels define (core/tensor_primitives.h) resolve.
function(mdq_library name)
  get_property(folders GLOBAL PROPERTY MDQ_FOLDER_LIBRARIES)
  set(objects)
  foreach(folder ${folders})
    list(APPEND objects $<TARGET_OBJECTS:${folder}>)
  endforeach()
  add_library(${name} STATIC ${objects})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME mdq LINKER_LANGUAGE CXX)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC mdq_deps)
  mdq_setup_cuda_target(${name})
endfunction()
