/* The first pass of bulk validation in one loop: which texts of a column are CAS numbers in
 * canonical form, and their check digits.
 *
 * registry/bulk.py runs the same pass as polars expressions (pad to 12 bytes, reinterpret as
 * three 32-bit words, integer arithmetic); this kernel gives the same answer for every text
 * (tests/test_scan_kernel.py checks both on generated and real columns) several times faster,
 * because it reads each text where polars keeps it, allocates nothing per row, and makes one
 * pass instead of a dozen whole-column operations.
 *
 * Data comes and goes through the Arrow C data interface (the Arrow PyCapsule interface): a
 * polars String column in (a stream of string-view arrays), a UInt8 column out. Nothing here
 * depends on polars' own headers or version, only on that published, stable interface.
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

/* 0 when the ``size`` bytes at ``text`` are not a CAS number in canonical form (N{2,7}-NN-N,
 * no leading zero), whatever its check digit; otherwise 1 + 10 * found + expected, where found
 * is its check digit and expected the one its other digits call for (so 1..100, the index of
 * "check digit is {found}, expected {expected}" in bulk._REASONS). ``text`` must be readable
 * for 12 bytes (an inline string view is): what follows the text is never looked at.
 *
 * As in bulk._with_check_digits: the text left-padded with '0' to 12 bytes must read
 * DDDDDDD-DD-D. It is checked a word at a time: the first eight bytes in ``head`` (the first
 * byte highest), the last four in ``tail``. */
#define DIGIT(word, shift) ((unsigned)((word) >> (shift)) & 0x0Fu)

static inline uint8_t verdict(const uint8_t *text, int32_t size) {
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
    /* The digits but the last, weighted 9 to 1 from the left. */
    const unsigned sum = 9 * DIGIT(head, 56) + 8 * DIGIT(head, 48) + 7 * DIGIT(head, 40)
                         + 6 * DIGIT(head, 32) + 5 * DIGIT(head, 24) + 4 * DIGIT(head, 16)
                         + 3 * DIGIT(head, 8) + 2 * DIGIT(tail, 24) + DIGIT(tail, 16);
    return (uint8_t)(1 + 10 * DIGIT(tail, 0) + sum % 10);
}

/* --- reading string-view arrays -------------------------------------------------------------- */

/* Verdicts for the rows of a string-view ("vu") array into ``out``; a null row gets 0. */
static void view_verdicts(const struct ArrowArray *array, uint8_t *out) {
    const uint8_t *validity = (const uint8_t *)array->buffers[0];
    const uint8_t *views = (const uint8_t *)array->buffers[1];
    for (int64_t row = 0; row < array->length; row++) {
        const int64_t at = array->offset + row;
        if (validity != NULL && !(validity[at >> 3] & (1u << (at & 7)))) {
            out[row] = 0;
            continue;
        }
        const uint8_t *view = views + 16 * at;
        int32_t size;
        memcpy(&size, view, 4);
        /* A text of up to 12 bytes is inline in its view; a longer one is never canonical. */
        out[row] = size <= 12 ? verdict(view + 4, size) : 0;
    }
}

/* --- the result column ----------------------------------------------------------------------- */

struct Result {
    const void *buffers[2];
    uint8_t *data;
};

static void release_result_array(struct ArrowArray *array) {
    struct Result *result = (struct Result *)array->private_data;
    free(result->data);
    free(result);
    array->release = NULL;
}

static void release_result_schema(struct ArrowSchema *schema) {
    schema->release = NULL;
}

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

/* (schema capsule, array capsule) of a UInt8 column over ``data`` (taken over). */
static PyObject *export_uint8(uint8_t *data, int64_t length) {
    struct Result *result = malloc(sizeof *result);
    struct ArrowArray *array = malloc(sizeof *array);
    struct ArrowSchema *schema = malloc(sizeof *schema);
    if (result == NULL || array == NULL || schema == NULL) {
        free(result);
        free(array);
        free(schema);
        free(data);
        return PyErr_NoMemory();
    }
    result->data = data;
    result->buffers[0] = NULL; /* no nulls */
    result->buffers[1] = data;
    *array = (struct ArrowArray){
        .length = length,
        .null_count = 0,
        .offset = 0,
        .n_buffers = 2,
        .n_children = 0,
        .buffers = result->buffers,
        .release = release_result_array,
        .private_data = result,
    };
    *schema = (struct ArrowSchema){
        .format = "C",
        .name = "",
        .flags = 0,
        .n_children = 0,
        .release = release_result_schema,
    };
    PyObject *schema_capsule = PyCapsule_New(schema, "arrow_schema", free_schema_capsule);
    if (schema_capsule == NULL) {
        release_result_array(array);
        free(array);
        free(schema);
        return NULL;
    }
    PyObject *array_capsule = PyCapsule_New(array, "arrow_array", free_array_capsule);
    if (array_capsule == NULL) {
        release_result_array(array);
        free(array);
        Py_DECREF(schema_capsule);
        return NULL;
    }
    return Py_BuildValue("(NN)", schema_capsule, array_capsule);
}

/* --- the entry point ------------------------------------------------------------------------- */

static PyObject *canonical_codes(PyObject *module, PyObject *capsule) {
    (void)module;
    struct ArrowArrayStream *given = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (given == NULL) {
        return NULL;
    }
    if (given->release == NULL) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was already consumed");
        return NULL;
    }
    /* Moved out of the capsule, as the PyCapsule interface asks of a consumer. */
    struct ArrowArrayStream stream = *given;
    given->release = NULL;

    PyObject *outcome = NULL;
    uint8_t *data = NULL;
    int64_t length = 0;
    int64_t capacity = 0;
    struct ArrowSchema schema = {0};
    if (stream.get_schema(&stream, &schema) != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot read the Arrow stream's schema");
        goto done;
    }
    int views = strcmp(schema.format, "vu") == 0;
    schema.release(&schema);
    if (!views) {
        PyErr_SetString(PyExc_TypeError, "expected a column of string views (format 'vu')");
        goto done;
    }
    for (;;) {
        struct ArrowArray array = {0};
        if (stream.get_next(&stream, &array) != 0) {
            PyErr_SetString(PyExc_ValueError, "cannot read the next Arrow array");
            goto done;
        }
        if (array.release == NULL) {
            break; /* the end of the stream */
        }
        if (array.n_buffers < 3) {
            array.release(&array);
            PyErr_SetString(PyExc_ValueError, "a string-view array without its buffers");
            goto done;
        }
        if (length + array.length > capacity) {
            int64_t wanted = capacity * 2 > length + array.length ? capacity * 2
                                                                   : length + array.length;
            uint8_t *grown = realloc(data, wanted > 0 ? (size_t)wanted : 1);
            if (grown == NULL) {
                array.release(&array);
                PyErr_NoMemory();
                goto done;
            }
            data = grown;
            capacity = wanted;
        }
        Py_BEGIN_ALLOW_THREADS
        view_verdicts(&array, data + length);
        Py_END_ALLOW_THREADS
        length += array.length;
        array.release(&array);
    }
    if (data == NULL) {
        data = malloc(1);
        if (data == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    outcome = export_uint8(data, length);
    data = NULL; /* taken over, or freed on failure */
done:
    free(data);
    stream.release(&stream);
    return outcome;
}

static PyMethodDef methods[] = {
    {"canonical_codes", canonical_codes, METH_O,
     "canonical_codes(stream) -> (schema, array)\n\n"
     "Per text of an Arrow string-view stream: 0 unless it is a CAS number in canonical form,\n"
     "else 1 + 10 * found + expected (its check digit and the one its digits call for), as\n"
     "the capsules of a UInt8 Arrow array."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "registry._scan",
    .m_doc = "The first pass of bulk CAS validation, compiled (see registry.bulk).",
    .m_size = 0,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
