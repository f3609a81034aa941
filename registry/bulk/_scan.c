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
static struct Column *new_column_bytes(size_t bytes);

static struct Column *new_column(int64_t length) { return new_column_bytes((size_t)length); }

/* A column of ``bytes`` bytes, not cleared; NULL, with MemoryError set, on failure. */
static struct Column *new_column_bytes(size_t bytes) {
    struct Column *column = calloc(1, sizeof *column);
    if (column == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    column->from = allocator;
    column->size = bytes;
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
static PyObject *export_typed_column(struct Column *column, int64_t length, const char *format);

static PyObject *export_column(struct Column *column, int64_t length) {
    return export_typed_column(column, length, "C");
}

/* As export_column, for an array of Arrow ``format`` (a static string). */
static PyObject *export_typed_column(struct Column *column, int64_t length, const char *format) {
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
    *schema = (struct ArrowSchema){.format = format, .name = "", .release = release_schema};
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

/* Moves the stream out of ``capsule`` into ``stream``, as the PyCapsule interface asks of a
 * consumer, when its arrays have the Arrow ``format`` given ("vu": string views, "L": UInt64);
 * 0, or -1 with a Python exception set (and nothing to release). */
static int open_typed_stream(PyObject *capsule, struct ArrowArrayStream *stream,
                             const char *format) {
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
        const int expected = strcmp(schema.format, format) == 0;
        schema.release(&schema);
        if (expected) {
            return 0;
        }
        PyErr_Format(PyExc_TypeError, "expected a column of %s (format '%s')",
                     strcmp(format, "vu") == 0 ? "string views" : "UInt64", format);
    }
    stream->release(stream);
    return -1;
}

/* The stream's next array into ``array`` (released: the end); 0, or -1 with an exception. */
static int next_array(struct ArrowArrayStream *stream, struct ArrowArray *array,
                      int64_t buffers) {
    *array = (struct ArrowArray){0};
    if (stream->get_next(stream, array) != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot read the next Arrow array");
        return -1;
    }
    if (array->release != NULL && array->n_buffers < buffers) {
        array->release(array);
        PyErr_SetString(PyExc_ValueError, "an Arrow array without its buffers");
        return -1;
    }
    return 0;
}

/* Calls ``visit`` on every array of the stream in ``capsule`` (arrays of ``format``), which
 * must hold ``length`` rows in all. 0 when done; -1 with a Python exception set otherwise. */
static int each_typed_array(PyObject *capsule, int64_t length, const char *format,
                            Visit visit, void *state) {
    struct ArrowArrayStream stream;
    const int64_t buffers = strcmp(format, "vu") == 0 ? 3 : 2;
    if (open_typed_stream(capsule, &stream, format) != 0) {
        return -1;
    }
    int outcome = -1;
    int64_t done = 0;
    for (;;) {
        struct ArrowArray array;
        if (next_array(&stream, &array, buffers) != 0) {
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
        PyErr_SetString(PyExc_ValueError, "not an Arrow column of the length given");
        goto end;
    }
    outcome = 0;
end:
    stream.release(&stream);
    return outcome;
}

/* each_typed_array over a string-view column. */
static int each_array(PyObject *capsule, int64_t length, Visit visit, void *state) {
    return each_typed_array(capsule, length, "vu", visit, state);
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

/* --- key sets ---------------------------------------------------------------------------------
 *
 * A set of 64-bit keys (hashes of names, of CAS numbers, of name-number pairs), built once from
 * a UInt64 column and then asked about one column per chunk. A polars join or is_in builds its
 * hash table from the large side on every call; this one is built once. Open addressing with
 * linear probing, at most half full; key 0 (an empty slot) is kept aside in ``zero``. */

#define KEY_SET "registry.bulk._scan.KeySet"

struct KeySet {
    uint64_t *slots;
    uint64_t mask;           /* slots - 1, a power of two minus one */
    int zero;                /* whether key 0 is in the set */
    struct ArrowArray array; /* the array ``slots`` lies in, when read back (key_set_view) */
};

static void free_key_set(PyObject *capsule) {
    struct KeySet *set = PyCapsule_GetPointer(capsule, KEY_SET);
    if (set != NULL) {
        if (set->array.release != NULL) {
            set->array.release(&set->array);
        } else {
            free(set->slots);
        }
        free(set);
    }
}

/* Mixes a key's bits before taking the slot (the keys are hashes already, but a polars hash
 * of short texts need not spread its low bits). */
static inline uint64_t slot_of(uint64_t key, uint64_t mask) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key & mask;
}

/* The UInt64 value at row ``row`` of ``array``, and whether it is not null. */
static inline int key_at(const struct ArrowArray *array, int64_t row, uint64_t *key) {
    const uint8_t *validity = (const uint8_t *)array->buffers[0];
    const int64_t at = array->offset + row;
    if (validity != NULL && !(validity[at >> 3] & (1u << (at & 7)))) {
        return 0;
    }
    *key = ((const uint64_t *)array->buffers[1])[at];
    return 1;
}

static void insert_keys(struct ArrowArray *array, int64_t first, void *state) {
    (void)first;
    struct KeySet *set = (struct KeySet *)state;
    for (int64_t row = 0; row < array->length; row++) {
        uint64_t key;
        if (!key_at(array, row, &key)) {
            continue;
        }
        if (key == 0) {
            set->zero = 1;
            continue;
        }
        uint64_t slot = slot_of(key, set->mask);
        while (set->slots[slot] != 0 && set->slots[slot] != key) {
            slot = (slot + 1) & set->mask;
        }
        set->slots[slot] = key;
    }
}

/* key_set(stream, length) -> capsule: the set of the non-null keys of a UInt64 column. */
static PyObject *key_set(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *stream;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "On", &stream, &length) || length < 0) {
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "negative length");
    }
    uint64_t slots = 16;
    while (slots < 2 * (uint64_t)length) {
        slots <<= 1;
    }
    struct KeySet *set = calloc(1, sizeof *set);
    if (set != NULL) {
        set->slots = calloc(slots, sizeof *set->slots);
    }
    if (set == NULL || set->slots == NULL) {
        free(set);
        return PyErr_NoMemory();
    }
    set->mask = slots - 1;
    if (each_typed_array(stream, length, "L", insert_keys, set) != 0) {
        free(set->slots);
        free(set);
        return NULL;
    }
    PyObject *capsule = PyCapsule_New(set, KEY_SET, free_key_set);
    if (capsule == NULL) {
        free(set->slots);
        free(set);
    }
    return capsule;
}

struct Members {
    const struct KeySet *set;
    uint8_t *found;
};

static void find_keys(struct ArrowArray *array, int64_t first, void *state) {
    struct Members *members = (struct Members *)state;
    const struct KeySet *set = members->set;
    uint8_t *out = members->found + first;
    for (int64_t row = 0; row < array->length; row++) {
        uint64_t key;
        uint8_t found = 0;
        if (key_at(array, row, &key)) {
            if (key == 0) {
                found = (uint8_t)set->zero;
            } else {
                uint64_t slot = slot_of(key, set->mask);
                while (set->slots[slot] != 0 && set->slots[slot] != key) {
                    slot = (slot + 1) & set->mask;
                }
                found = set->slots[slot] == key;
            }
        }
        out[row] = found;
    }
}

/* key_members(set, stream, length) -> (schema, array): per key of a UInt64 column, 1 when the
 * set holds it, else 0 (also for a null), as a UInt8 column. */
static PyObject *key_members(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *capsule, *stream;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "OOn", &capsule, &stream, &length) || length < 0) {
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "negative length");
    }
    struct Members members = {.set = PyCapsule_GetPointer(capsule, KEY_SET)};
    if (members.set == NULL) {
        return NULL;
    }
    struct Column *column = new_column(length);
    if (column == NULL) {
        return NULL;
    }
    members.found = column->values;
    if (each_typed_array(stream, length, "L", find_keys, &members) != 0) {
        struct ArrowArray owner = {.private_data = column};
        release_column(&owner);
        return NULL;
    }
    return export_column(column, length);
}

/* key_set_slots(set) -> (schema, array): the set's slots as a UInt64 column (a copy), for
 * key_set_view to take back without building the set again (a cache file). */
static PyObject *key_set_slots(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "O", &capsule)) {
        return NULL;
    }
    const struct KeySet *set = PyCapsule_GetPointer(capsule, KEY_SET);
    if (set == NULL) {
        return NULL;
    }
    const int64_t length = (int64_t)set->mask + 1;
    struct Column *column = new_column_bytes((size_t)length * sizeof(uint64_t));
    if (column == NULL) {
        return NULL;
    }
    memcpy(column->values, set->slots, (size_t)length * sizeof(uint64_t));
    return export_typed_column(column, length, "L");
}

/* key_set_view(stream, length, zero) -> capsule: a set over the slots key_set_slots gave, read
 * back as one UInt64 array of ``length`` (a power of two) rows without nulls; the array is kept,
 * not copied. ``zero``: whether key 0 is in the set. */
static PyObject *key_set_view(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *stream_capsule;
    Py_ssize_t length;
    int zero;
    if (!PyArg_ParseTuple(args, "Onp", &stream_capsule, &length, &zero)) {
        return NULL;
    }
    if (length < 16 || (length & (length - 1)) != 0) {
        return PyErr_Format(PyExc_ValueError, "slots must be a power of two, at least 16");
    }
    struct ArrowArrayStream stream;
    if (open_typed_stream(stream_capsule, &stream, "L") != 0) {
        return NULL;
    }
    struct KeySet *set = calloc(1, sizeof *set);
    if (set == NULL) {
        stream.release(&stream);
        return PyErr_NoMemory();
    }
    if (next_array(&stream, &set->array, 2) != 0) {
        stream.release(&stream);
        free(set);
        return NULL;
    }
    struct ArrowArray after;
    const int more = next_array(&stream, &after, 2) != 0 || after.release != NULL;
    if (after.release != NULL) {
        after.release(&after);
    }
    stream.release(&stream);
    if (more || set->array.release == NULL || set->array.length != length
        || set->array.null_count != 0) {
        if (set->array.release != NULL) {
            set->array.release(&set->array);
        }
        free(set);
        PyErr_Clear();
        return PyErr_Format(PyExc_ValueError, "slots must be one UInt64 array without nulls");
    }
    set->slots = (uint64_t *)set->array.buffers[1] + set->array.offset;
    set->mask = (uint64_t)length - 1;
    set->zero = zero;
    PyObject *capsule = PyCapsule_New(set, KEY_SET, free_key_set);
    if (capsule == NULL) {
        set->array.release(&set->array);
        free(set);
    }
    return capsule;
}

/* key_set_zero(set) -> bool: whether key 0 is in the set (kept beside its slots). */
static PyObject *key_set_zero(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "O", &capsule)) {
        return NULL;
    }
    const struct KeySet *set = PyCapsule_GetPointer(capsule, KEY_SET);
    if (set == NULL) {
        return NULL;
    }
    return PyBool_FromLong(set->zero);
}

static PyMethodDef methods[] = {
    {"key_set_slots", key_set_slots, METH_VARARGS,
     "key_set_slots(set) -> (schema, array)\n\nThe slots of a set, a UInt64 Arrow array."},
    {"key_set_view", key_set_view, METH_VARARGS,
     "key_set_view(stream, length, zero) -> capsule\n\n"
     "A set over slots key_set_slots gave (one UInt64 array, kept, not copied)."},
    {"key_set_zero", key_set_zero, METH_VARARGS,
     "key_set_zero(set) -> bool\n\nWhether key 0 is in the set."},
    {"key_set", key_set, METH_VARARGS,
     "key_set(stream, length) -> capsule\n\n"
     "The set of the non-null keys of an Arrow UInt64 stream of ``length`` rows, for\n"
     "key_members."},
    {"key_members", key_members, METH_VARARGS,
     "key_members(set, stream, length) -> (schema, array)\n\n"
     "Per key of an Arrow UInt64 stream of ``length`` rows: 1 when ``set`` (of key_set) holds\n"
     "it, else 0 (a null too), as the capsules of a UInt8 Arrow array."},
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
