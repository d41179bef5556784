/*
 * Lets the Intel MKL inside DJL's bundled libtorch pick its kernels from the CPU's feature flags on AMD CPUs too.
 *
 * MKL chooses its fastest code paths (AVX-512 among them) only after mkl_serv_intel_cpu_true() says the CPU is an
 * Intel one; on AMD it falls back to slower paths even where the CPU has every instruction those kernels use. The
 * libtorch_cpu.so in pytorch-native-cpu 2.7.1 exports that function and calls it through its PLT, so a definition
 * that is already in the process's global symbol scope when libtorch_cpu.so is loaded wins over its own.
 *
 * The JVM loads JNI libraries with dlopen(RTLD_LAZY), which keeps their symbols local; LD_PRELOAD cannot act once
 * the JVM runs. So JNI_OnLoad re-opens this library by its own path with RTLD_GLOBAL | RTLD_NOLOAD, which promotes
 * the already-loaded copy into the global scope. io.streamrlhf.trainer.cpu.MklDispatch calls System.load on it
 * before DJL loads libtorch. Nothing changes on Intel CPUs, where the answer was already 1.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <stdatomic.h>

static atomic_long calls;

/* MKL's question "is this an Intel CPU?": yes, so it dispatches on the CPU's feature flags alone. */
__attribute__((visibility("default"))) int mkl_serv_intel_cpu_true(void) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return 1;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    (void) vm;
    (void) reserved;
    Dl_info self;
    if (dladdr((void *) &mkl_serv_intel_cpu_true, &self) != 0 && self.dli_fname != NULL) {
        /* The handle is kept open on purpose: the library must stay global for the life of the process. */
        dlopen(self.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    }
    return JNI_VERSION_1_8;
}

/*
 * True when a lookup in the process's global scope, where libtorch_cpu.so's references are resolved first, finds
 * this library's definition. The main program's handle searches exactly that scope; RTLD_DEFAULT would not do:
 * from inside this library it also searches the library's own local scope, so it finds it even when not global.
 */
JNIEXPORT jboolean JNICALL Java_io_streamrlhf_trainer_cpu_MklDispatch_globallyBound0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    void *global = dlopen(NULL, RTLD_NOW);
    if (global == NULL) {
        return JNI_FALSE;
    }
    void *definition = dlsym(global, "mkl_serv_intel_cpu_true");
    jboolean found = definition == (void *) &mkl_serv_intel_cpu_true ? JNI_TRUE : JNI_FALSE;
    dlclose(global);
    return found;
}

/* How often MKL has asked so far: above zero after an MKL kernel ran means MKL called this definition. */
JNIEXPORT jlong JNICALL Java_io_streamrlhf_trainer_cpu_MklDispatch_calls0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return atomic_load_explicit(&calls, memory_order_relaxed);
}
