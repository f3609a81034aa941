/* The compiled first pass of bulk validation: the module registry.bulk._scan, loaded by
 * registry/bulk/scan.py where the package was built with a C compiler. Without it, polars
 * expressions give the same answers (scan.with_check_digits).
 *
 * ``canonical_codes``: which texts of a column are CAS numbers in canonical form, and their
 * check digits, by the weights registry.cas.WEIGHTS gives (passed in, never written here). It
 * reads each text where polars keeps it and allocates nothing per row.
 *
 * Data comes and goes through the Arrow C data interface (the Arrow PyCapsule interface): a
 * String column in (a stream of string-view arrays, format "vu"), a UInt8 column out. Nothing
 * here depends on polars' headers, only on that published interface and, when
 * ``use_allocator`` accepts it, on the layout of polars' allocator capsule.
 * tests/test_scan_kernel.py checks it against registry.cas and the polars path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- the Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html) */

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

/* --- the per-text verdict ----------------------------------------------------------------- */

/* The weights of the nine body digits of DDDDDDD-DD-C, left to right (registry.cas.WEIGHTS). */
typedef struct {
    unsigned of[9];
} Weights;

/* ``given`` (a sequence of nine ints from 0 to 9) into ``weights``; 0, or -1 with an exception. */
static int read_weights(PyObject *given, Weights *weights) {
    PyObject *items = PySequence_Fast(given, "weights must be a sequence of 9 ints");
    if (items == NULL) {
        return -1;
    }
    int outcome = -1;
    if (PySequence_Fast_GET_SIZE(items) != 9) {
        PyErr_SetString(PyExc_ValueError, "weights must be a sequence of 9 ints");
        goto end;
    }
    for (int at = 0; at < 9; at++) {
        const long weight = PyLong_AsLong(PySequence_Fast_GET_ITEM(items, at));
        if (weight == -1 && PyErr_Occurred()) {
            goto end;
        }
        if (weight < 0 || weight > 9) {
            PyErr_SetString(PyExc_ValueError, "weights must be digits (0 to 9)");
            goto end;
        }
        weights->of[at] = (unsigned)weight;
    }
    outcome = 0;
end:
    Py_DECREF(items);
    return outcome;
}

/* 0 when the ``size`` bytes at ``text`` are not a CAS number in canonical form (N{2,7}-NN-N,
 * no leading zero), whatever its check digit; otherwise 1 + 10 * found + expected, where found
 * is its check digit and expected the one its other digits call for (so 1..100, the index of
 * "check digit is {found}, expected {expected}" in the reason tables). ``text`` must be
 * readable for 12 bytes (an inline string view is): what follows the text is never looked at.
 *
 * As in scan.with_check_digits: the text left-padded with '0' to 12 bytes must read
 * DDDDDDD-DD-D. It is checked a word at a time: the first eight bytes in ``head`` (the first
 * byte highest), the last four in ``tail``. */
#define DIGIT(word, shift) ((unsigned)((word) >> (shift)) & 0x0Fu)

static inline uint8_t verdict(const uint8_t *text, int32_t size, const Weights *weights) {
    if (size < 7 || size > 12 || text[0] == '0') {
        return 0;
    }
    uint64_t first;
    uint32_t last;
    memcpy(&first, text, 8);
    memcpy(&last, text + 8, 4);
    unsigned __int128 word =
        ((unsigned __int128)__builtin_bswap64(first) << 32) | __builtin_bswap32(last);
    word >>= 8 * (12 - size); /* the text at the low end, what followed it gone */
    const unsigned __int128 zeros = ((unsigned __int128)0x30303030u << 64) | 0x3030303030303030u;
    word |= zeros & ~(((unsigned __int128)1 << (8 * size)) - 1);
    const uint64_t head = (uint64_t)(word >> 32);
    const uint32_t tail = (uint32_t)word;
    /* Digits have high nibble 3, and adding 6 keeps it 3 only for 0-9; hyphens at 7 and 10. */
    const int shaped = (head & 0xF0F0F0F0F0F0F0FFu) == 0x303030303030302Du
                       && ((head + 0x0606060606060600u) & 0xF0F0F0F0F0F0F000u)
                              == 0x3030303030303000u
                       && (tail & 0xF0F0FFF0u) == 0x30302D30u
                       && ((tail + 0x06060006u) & 0xF0F000F0u) == 0x30300030u;
    if (!shaped) {
        return 0;
    }
    /* The digits but the check digit, left to right, each times its weight. */
    const unsigned body[9] = {DIGIT(head, 56), DIGIT(head, 48), DIGIT(head, 40),
                              DIGIT(head, 32), DIGIT(head, 24), DIGIT(head, 16),
                              DIGIT(head, 8),  DIGIT(tail, 24), DIGIT(tail, 16)};
    unsigned sum = 0;
    for (int at = 0; at < 9; at++) {
        sum += weights->of[at] * body[at];
    }
    return (uint8_t)(1 + 10 * DIGIT(tail, 0) + sum % 10);
}

/* --- memory ---------------------------------------------------------------------------------- */

/* The allocator polars itself uses, as it hands it to its plugins: the capsule
 * polars._allocator, named POLARS_ALLOCATOR, pointing at this struct (``AllocatorCapsule`` in
 * py-polars/src/allocator.rs). The capsule carries no version, so the layout is trusted only
 * for the polars major versions in TESTED_POLARS_MAJORS; for any other capsule or version the
 * columns come from the C library. Polars' allocator keeps freed memory for the next chunk's
 * columns, where the C library may give large blocks back and fault in fresh pages. */
#define POLARS_ALLOCATOR "polars.polars._allocator"
static const long TESTED_POLARS_MAJORS[] = {2};

struct Allocator {
    uint8_t *(*alloc)(size_t size, size_t align);
    void (*dealloc)(uint8_t *pointer, size_t size, size_t align);
    uint8_t *(*alloc_zeroed)(size_t size, size_t align);
    uint8_t *(*realloc)(uint8_t *pointer, size_t size, size_t align, size_t new_size);
};

static const struct Allocator *allocator = NULL;

enum { ALIGN = 64 }; /* as Arrow recommends for buffers */

/* ``size`` bytes from ``from`` (the C library when NULL), not cleared: asking for zeroed
 * memory makes an allocator prefer fresh pages, whose faults cost more than writing them. */
static void *allocate(const struct Allocator *from, size_t size) {
    size = size > 0 ? size : 1;
    return from != NULL ? (void *)from->alloc(size, ALIGN) : malloc(size);
}

static void release(const struct Allocator *from, void *pointer, size_t size) {
    if (pointer == NULL) {
        return;
    }
    if (from != NULL) {
        from->dealloc(pointer, size > 0 ? size : 1, ALIGN);
    } else {
        free(pointer);
    }
}

/* use_allocator(capsule, polars_major) -> bool: whether columns now come from the allocator
 * in ``capsule``; otherwise (and after any call that returns False) from the C library. */
static PyObject *use_allocator(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *capsule;
    long major;
    if (!PyArg_ParseTuple(args, "Ol", &capsule, &major)) {
        return NULL;
    }
    allocator = NULL;
    if (!PyCapsule_IsValid(capsule, POLARS_ALLOCATOR)) {
        Py_RETURN_FALSE;
    }
    int tested = 0;
    for (size_t at = 0; at < sizeof TESTED_POLARS_MAJORS / sizeof *TESTED_POLARS_MAJORS; at++) {
        tested |= TESTED_POLARS_MAJORS[at] == major;
    }
    const struct Allocator *given = PyCapsule_GetPointer(capsule, POLARS_ALLOCATOR);
    if (!tested || given == NULL || given->alloc == NULL || given->dealloc == NULL) {
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    allocator = given;
    Py_RETURN_TRUE;
}

/* --- the column handed out ----------------------------------------------------------------- */

/* A UInt8 column handed to polars (no validity bitmap): what ``release_column`` frees. */
struct Column {
    const struct Allocator *from; /* what ``values`` came from (see ``allocate``) */
    const void *buffers[2];       /* the validity bitmap (none), the values */
    uint8_t *values;
    size_t size;
};

static void release_column(struct ArrowArray *array) {
    struct Column *column = (struct Column *)array->private_data;
    release(column->from, column->values, column->size);
    free(column);
    array->release = NULL;
}

static void release_schema(struct ArrowSchema *schema) { schema->release = NULL; }

static void free_schema_capsule(PyObject *capsule) {
    struct ArrowSchema *schema = PyCapsule_GetPointer(capsule, "arrow_schema");
    if (schema != NULL) {
        if (schema->release != NULL) {
            schema->release(schema);
        }
        free(schema);
    }
}

static void free_array_capsule(PyObject *capsule) {
    struct ArrowArray *array = PyCapsule_GetPointer(capsule, "arrow_array");
    if (array != NULL) {
        if (array->release != NULL) {
            array->release(array);
        }
        free(array);
    }
}

/* A column of ``length`` values, not cleared (the caller writes them all); NULL, with
 * MemoryError set, on failure. */
static struct Column *new_column(int64_t length) {
    struct Column *column = calloc(1, sizeof *column);
    if (column == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    column->from = allocator;
    column->size = (size_t)length;
    column->values = allocate(column->from, column->size);
    if (column->values == NULL) {
        free(column);
        PyErr_NoMemory();
        return NULL;
    }
    column->buffers[1] = column->values;
    return column;
}

/* (schema capsule, array capsule) of ``column`` (taken over: freed on failure too), a UInt8
 * array of ``length`` rows. */
static PyObject *export_column(struct Column *column, int64_t length) {
    struct ArrowArray *array = malloc(sizeof *array);
    struct ArrowSchema *schema = malloc(sizeof *schema);
    if (array == NULL || schema == NULL) {
        free(array);
        free(schema);
        struct ArrowArray owner = {.private_data = column};
        release_column(&owner);
        return PyErr_NoMemory();
    }
    *array = (struct ArrowArray){
        .length = length,
        .n_buffers = 2,
        .buffers = column->buffers,
        .release = release_column,
        .private_data = column,
    };
    *schema = (struct ArrowSchema){.format = "C", .name = "", .release = release_schema};
    PyObject *schema_capsule = PyCapsule_New(schema, "arrow_schema", free_schema_capsule);
    if (schema_capsule == NULL) {
        free(schema);
        release_column(array);
        free(array);
        return NULL;
    }
    PyObject *array_capsule = PyCapsule_New(array, "arrow_array", free_array_capsule);
    if (array_capsule == NULL) {
        release_column(array);
        free(array);
        Py_DECREF(schema_capsule);
        return NULL;
    }
    return Py_BuildValue("(NN)", schema_capsule, array_capsule);
}

/* --- reading the text column ---------------------------------------------------------------- */

/* Called for each array of a column, without the GIL; ``first`` is the column's row that is
 * the array's first. */
typedef void (*Visit)(struct ArrowArray *array, int64_t first, void *state);

/* Moves the string-view stream out of ``capsule`` into ``stream``, as the PyCapsule interface
 * asks of a consumer; 0, or -1 with a Python exception set (and nothing to release). */
static int open_stream(PyObject *capsule, struct ArrowArrayStream *stream) {
    struct ArrowArrayStream *given = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (given == NULL) {
        return -1;
    }
    if (given->release == NULL) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was already consumed");
        return -1;
    }
    *stream = *given;
    given->release = NULL;
    struct ArrowSchema schema = {0};
    if (stream->get_schema(stream, &schema) != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot read the Arrow stream's schema");
    } else {
        const int views = strcmp(schema.format, "vu") == 0;
        schema.release(&schema);
        if (views) {
            return 0;
        }
        PyErr_SetString(PyExc_TypeError, "expected a column of string views (format 'vu')");
    }
    stream->release(stream);
    return -1;
}

/* The stream's next array into ``array`` (released: the end); 0, or -1 with an exception. */
static int next_array(struct ArrowArrayStream *stream, struct ArrowArray *array) {
    *array = (struct ArrowArray){0};
    if (stream->get_next(stream, array) != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot read the next Arrow array");
        return -1;
    }
    if (array->release != NULL && array->n_buffers < 3) {
        array->release(array);
        PyErr_SetString(PyExc_ValueError, "a string-view array without its buffers");
        return -1;
    }
    return 0;
}

/* Calls ``visit`` on every array of the string-view stream in ``capsule``, which must hold
 * ``length`` rows in all. 0 when done; -1 with a Python exception set otherwise. */
static int each_array(PyObject *capsule, int64_t length, Visit visit, void *state) {
    struct ArrowArrayStream stream;
    if (open_stream(capsule, &stream) != 0) {
        return -1;
    }
    int outcome = -1;
    int64_t done = 0;
    for (;;) {
        struct ArrowArray array;
        if (next_array(&stream, &array) != 0) {
            goto end;
        }
        if (array.release == NULL) {
            break; /* the end of the stream */
        }
        if (done + array.length > length) {
            array.release(&array);
            break;
        }
        Py_BEGIN_ALLOW_THREADS
        visit(&array, done, state);
        Py_END_ALLOW_THREADS
        done += array.length;
        array.release(&array);
    }
    if (done != length) {
        PyErr_SetString(PyExc_ValueError, "not a string-view column of the length given");
        goto end;
    }
    outcome = 0;
end:
    stream.release(&stream);
    return outcome;
}

/* The view of the array's row ``row``, or NULL when the row is null. */
static inline const uint8_t *row_view(const struct ArrowArray *array, int64_t row) {
    const uint8_t *validity = (const uint8_t *)array->buffers[0];
    const int64_t at = array->offset + row;
    if (validity != NULL && !(validity[at >> 3] & (1u << (at & 7)))) {
        return NULL;
    }
    return (const uint8_t *)array->buffers[1] + 16 * at;
}

/* The verdict on a row's view (NULL for a null row). A text of up to 12 bytes is inline in
 * its view; a longer one is never canonical, so it is never read. */
static inline uint8_t view_verdict(const uint8_t *view, const Weights *weights) {
    if (view == NULL) {
        return 0;
    }
    int32_t size;
    memcpy(&size, view, 4);
    return size <= 12 ? verdict(view + 4, size, weights) : 0;
}

/* --- canonical_codes ------------------------------------------------------------------------- */

struct Codes {
    uint8_t *codes;
    Weights weights;
};

static void code_rows(struct ArrowArray *array, int64_t first, void *state) {
    struct Codes *codes = (struct Codes *)state;
    uint8_t *out = codes->codes + first;
    for (int64_t row = 0; row < array->length; row++) {
        out[row] = view_verdict(row_view(array, row), &codes->weights);
    }
}

static PyObject *canonical_codes(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *stream, *weights;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "OnO", &stream, &length, &weights) || length < 0) {
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "negative length");
    }
    struct Codes codes;
    if (read_weights(weights, &codes.weights) != 0) {
        return NULL;
    }
    struct Column *column = new_column(length);
    if (column == NULL) {
        return NULL;
    }
    codes.codes = column->values;
    if (each_array(stream, length, code_rows, &codes) != 0) {
        struct ArrowArray owner = {.private_data = column};
        release_column(&owner);
        return NULL;
    }
    return export_column(column, length);
}

static PyMethodDef methods[] = {
    {"canonical_codes", canonical_codes, METH_VARARGS,
     "canonical_codes(stream, length, weights) -> (schema, array)\n\n"
     "Per text of an Arrow string-view stream of ``length`` rows: 0 unless it is a CAS number\n"
     "in canonical form, else 1 + 10 * found + expected (its check digit and the one its\n"
     "digits call for by ``weights``, nine digits), as the capsules of a UInt8 Arrow array."},
    {"use_allocator", use_allocator, METH_VARARGS,
     "use_allocator(capsule, polars_major) -> bool\n\n"
     "Allocate columns with polars' own allocator (the capsule polars._allocator) when the\n"
     "capsule has its name and the polars major version is one whose layout is known; True\n"
     "then. Otherwise, and after any call that returns False, the C library's allocator."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "registry.bulk._scan",
    .m_doc = "The first pass of bulk CAS validation, compiled (see registry.bulk.scan).",
    .m_size = 0,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
