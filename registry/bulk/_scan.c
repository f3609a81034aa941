/* The first and last steps of bulk validation, compiled (registry.bulk uses them when built).
 *
 * ``canonical_codes``: which texts of a column are CAS numbers in canonical form, and their
 * check digits. registry/bulk.py has the same pass as polars expressions (pad to 12 bytes,
 * reinterpret as three 32-bit words, integer arithmetic); this gives the same answer for every
 * text several times faster: it reads each text where polars keeps it, allocates nothing per
 * row, and makes one pass instead of a dozen whole-column operations.
 *
 * ``cell_columns``: the four result columns of classify_cells, whole: worded for the numbers
 * in canonical form, taken from the verdicts polars and Python reached on the other rows. In
 * polars that took as many whole-column operations again, and a copy of each column to put
 * the other rows in place (a column that came from C cannot be changed where it lies).
 *
 * tests/test_scan_kernel.py checks both against the polars path on generated and real
 * columns. Data comes and goes through the Arrow C data interface (the Arrow PyCapsule
 * interface): polars String columns in (streams of string-view arrays), UInt8 and string-view
 * columns out. Nothing here depends on polars' headers or version, only on that published,
 * stable interface, and on the allocator capsule polars hands its plugins, when it has one.
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

/* --- memory ---------------------------------------------------------------------------------- */

/* The allocator polars itself uses, as it hands it to its plugins (the capsule
 * polars._allocator). Columns are allocated from it when ``use_allocator`` was given it: it
 * keeps freed memory for the next chunk's columns, where the C library gives large blocks
 * back to the system and takes fresh ones, each page of which faults on first touch. */
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

static PyObject *use_allocator(PyObject *module, PyObject *capsule) {
    (void)module;
    const struct Allocator *given = PyCapsule_GetPointer(capsule, "polars.polars._allocator");
    if (given == NULL) {
        return NULL;
    }
    allocator = given;
    Py_RETURN_NONE;
}

/* --- columns handed out ---------------------------------------------------------------------- */

/* The memory of one column handed to polars: what ``release_column`` frees with it. */
struct Column {
    const struct Allocator *from; /* what ``owned`` came from (see ``allocate``) */
    const void *buffers[4];
    void *owned[4];
    size_t sizes[4];
    int64_t variadic_sizes[1]; /* of a string-view column's data buffer, when it has one */
};

static void release_column(struct ArrowArray *array) {
    struct Column *column = (struct Column *)array->private_data;
    for (int at = 0; at < 4; at++) {
        release(column->from, column->owned[at], column->sizes[at]);
    }
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

/* (schema capsule, array capsule) of ``column`` (taken over: freed on failure too), an array
 * of ``length`` rows in Arrow format ``format`` with ``n_buffers`` buffers. */
static PyObject *export_column(struct Column *column, const char *format, int64_t length,
                               int64_t null_count, int64_t n_buffers) {
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
        .null_count = null_count,
        .n_buffers = n_buffers,
        .buffers = column->buffers,
        .release = release_column,
        .private_data = column,
    };
    *schema = (struct ArrowSchema){
        .format = format,
        .name = "",
        .flags = null_count ? 2 : 0, /* ARROW_FLAG_NULLABLE */
        .release = release_schema,
    };
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

/* A column with its buffers allocated: ``sizes[i]`` bytes for buffer i, none where the size
 * is negative (a missing validity bitmap). Only buffer 0, the validity bitmap, is cleared; the
 * caller writes the others whole. NULL, with MemoryError set, on failure. */
static struct Column *new_column(int n_buffers, const int64_t *sizes) {
    struct Column *column = calloc(1, sizeof *column);
    if (column == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    column->from = allocator;
    for (int at = 0; at < n_buffers; at++) {
        if (sizes[at] < 0) {
            continue;
        }
        column->sizes[at] = (size_t)sizes[at];
        column->owned[at] = allocate(column->from, column->sizes[at]);
        if (column->owned[at] == NULL) {
            struct ArrowArray owner = {.private_data = column};
            release_column(&owner);
            PyErr_NoMemory();
            return NULL;
        }
        if (at == 0) {
            memset(column->owned[at], 0, column->sizes[at]);
        }
        column->buffers[at] = column->owned[at];
    }
    return column;
}

/* --- reading the text column ---------------------------------------------------------------- */

/* Called for each array of a column, without the GIL; ``first`` is the column's row that is
 * the array's first. It may take the array over (moved: its ``release`` set to NULL). */
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
        if (array.release != NULL) {
            array.release(&array);
        }
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
static inline uint8_t view_verdict(const uint8_t *view) {
    if (view == NULL) {
        return 0;
    }
    int32_t size;
    memcpy(&size, view, 4);
    return size <= 12 ? verdict(view + 4, size) : 0;
}

/* --- canonical_codes ------------------------------------------------------------------------- */

static void code_rows(struct ArrowArray *array, int64_t first, void *state) {
    uint8_t *codes = (uint8_t *)state + first;
    for (int64_t row = 0; row < array->length; row++) {
        codes[row] = view_verdict(row_view(array, row));
    }
}

static PyObject *canonical_codes(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *stream;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "On", &stream, &length) || length < 0) {
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "negative length");
    }
    struct Column *column = new_column(2, (int64_t[]){-1, length});
    if (column == NULL) {
        return NULL;
    }
    if (each_array(stream, length, code_rows, column->owned[1]) != 0) {
        struct ArrowArray owner = {.private_data = column};
        release_column(&owner);
        return NULL;
    }
    return export_column(column, "C", length, 0, 2);
}

/* --- cell_columns ---------------------------------------------------------------------------- */

/* Up to 100 texts as string views over one data buffer of their bytes (``views`` point into
 * buffer 0 from offset 0, where a column's copy of ``data`` goes). */
struct Table {
    uint8_t views[100][16];
    uint8_t *data;
    int64_t size;
};

/* ``texts`` (a tuple of ``count`` str) as a table; 0, or -1 with an exception set. */
static int make_table(PyObject *texts, Py_ssize_t count, struct Table *table) {
    table->data = NULL;
    table->size = 0;
    if (!PyTuple_Check(texts) || PyTuple_GET_SIZE(texts) != count) {
        PyErr_Format(PyExc_TypeError, "expected a tuple of %zd texts", count);
        return -1;
    }
    const char *bytes[100];
    Py_ssize_t sizes[100];
    for (Py_ssize_t at = 0; at < count; at++) {
        bytes[at] = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(texts, at), &sizes[at]);
        if (bytes[at] == NULL) {
            return -1;
        }
        table->size += sizes[at];
    }
    table->data = malloc(table->size > 0 ? (size_t)table->size : 1);
    if (table->data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int32_t offset = 0;
    for (Py_ssize_t at = 0; at < count; at++) {
        uint8_t *view = table->views[at];
        const int32_t size = (int32_t)sizes[at];
        memset(view, 0, 16);
        memcpy(view, &size, 4);
        memcpy(table->data + offset, bytes[at], (size_t)size);
        memcpy(view + 4, bytes[at], (size_t)(size <= 12 ? size : 4));
        if (size > 12) { /* buffer 0 (left zero), at ``offset`` */
            memcpy(view + 12, &offset, 4);
        }
        offset += size;
    }
    return 0;
}

/* The rows of one column of the patch, the verdicts on the values not in canonical form, read
 * in order: its arrays are held until the cells are made. */
struct Patch {
    struct ArrowArray *arrays;
    int64_t count;
    int64_t at;  /* the array being read */
    int64_t row; /* the next row in it */
    int64_t long_bytes; /* of its texts longer than 12 bytes, which are copied */
    int out_of_memory;
};

static void release_patch(struct Patch *patch) {
    for (int64_t at = 0; at < patch->count; at++) {
        if (patch->arrays[at].release != NULL) {
            patch->arrays[at].release(&patch->arrays[at]);
        }
    }
    free(patch->arrays);
    patch->arrays = NULL;
    patch->count = 0;
}

/* Takes ``array`` over into the patch (``state``). */
static void keep_rows(struct ArrowArray *array, int64_t first, void *state) {
    (void)first;
    struct Patch *patch = (struct Patch *)state;
    struct ArrowArray *grown = realloc(patch->arrays, (size_t)(patch->count + 1) * sizeof *array);
    if (grown == NULL) {
        patch->out_of_memory = 1;
        return;
    }
    patch->arrays = grown;
    patch->arrays[patch->count++] = *array;
    array->release = NULL;
    for (int64_t row = 0; row < array->length; row++) {
        const uint8_t *view = row_view(array, row);
        int32_t size = 0;
        if (view != NULL) {
            memcpy(&size, view, 4);
        }
        patch->long_bytes += size > 12 ? size : 0;
    }
}

/* Takes every array of the string-view stream in ``capsule`` into ``patch``, which must have
 * ``length`` rows in all; 0, or -1 with an exception set. */
static int read_patch(PyObject *capsule, int64_t length, struct Patch *patch) {
    if (each_array(capsule, length, keep_rows, patch) != 0) {
        return -1;
    }
    if (patch->out_of_memory) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

enum { CANONICAL, STATUS, REASON, SUGGESTION, COLUMNS };

/* The cells being made: per column its validity bitmap, views and data buffer. */
struct Cells {
    struct Table statuses; /* valid, invalid-checksum */
    struct Table reasons;  /* by 10 * found + expected */
    struct Patch patches[COLUMNS];
    uint8_t *validity[COLUMNS];
    uint8_t *views[COLUMNS];
    uint8_t *data[COLUMNS];
    int32_t data_end[COLUMNS]; /* where the next copied text goes */
    int64_t nulls[COLUMNS];
    int64_t patch_rows;
    int64_t patched; /* rows taken from the patch so far; -1 when it ran out */
};

static inline void set_cell(struct Cells *cells, int which, int64_t row, const uint8_t *view) {
    memcpy(cells->views[which] + 16 * row, view, 16);
    cells->validity[which][row >> 3] |= (uint8_t)(1u << (row & 7));
}

static inline void null_cell(struct Cells *cells, int which, int64_t row) {
    memset(cells->views[which] + 16 * row, 0, 16);
    cells->nulls[which]++;
}

/* Cell ``row`` of column ``which`` from the patch's next row. */
static inline void patch_cell(struct Cells *cells, int which, int64_t row) {
    struct Patch *patch = &cells->patches[which];
    while (patch->row >= patch->arrays[patch->at].length) {
        patch->at++;
        patch->row = 0;
    }
    const struct ArrowArray *array = &patch->arrays[patch->at];
    const uint8_t *view = row_view(array, patch->row++);
    if (view == NULL) {
        null_cell(cells, which, row);
        return;
    }
    int32_t size;
    memcpy(&size, view, 4);
    if (size <= 12) {
        set_cell(cells, which, row, view);
        return;
    }
    int32_t buffer, offset;
    memcpy(&buffer, view + 8, 4);
    memcpy(&offset, view + 12, 4);
    const uint8_t *text = (const uint8_t *)array->buffers[2 + buffer] + offset;
    uint8_t copied[16];
    const int32_t zero = 0, at = cells->data_end[which];
    memcpy(cells->data[which] + at, text, (size_t)size);
    cells->data_end[which] += size;
    memcpy(copied, view, 8); /* its size and first four bytes */
    memcpy(copied + 8, &zero, 4);
    memcpy(copied + 12, &at, 4);
    set_cell(cells, which, row, copied);
}

static void cell_rows(struct ArrowArray *array, int64_t first, void *state) {
    struct Cells *cells = (struct Cells *)state;
    if (cells->patched < 0) {
        return; /* the patch ran out in an earlier array */
    }
    for (int64_t row = 0; row < array->length; row++) {
        const int64_t at = first + row;
        const uint8_t *view = row_view(array, row);
        /* Worked out again rather than read from the scan's codes: the texts' views are
         * walked anyway, and the verdict costs less than a second column to read. */
        const uint8_t code = view_verdict(view);
        if (code == 0) {
            if (cells->patched == cells->patch_rows) {
                cells->patched = -1; /* more such rows than the patch has: checked after */
                return;
            }
            cells->patched++;
            for (int which = 0; which < COLUMNS; which++) {
                patch_cell(cells, which, at);
            }
            continue;
        }
        const unsigned found = (code - 1u) / 10, expected = (code - 1u) % 10;
        if (found == expected) {
            set_cell(cells, CANONICAL, at, view);
            set_cell(cells, STATUS, at, cells->statuses.views[0]);
            null_cell(cells, REASON, at);
            null_cell(cells, SUGGESTION, at);
        } else {
            /* The same digits with the check digit they call for: the last byte replaced. */
            uint8_t suggestion[16];
            int32_t size;
            memcpy(suggestion, view, 16);
            memcpy(&size, view, 4);
            suggestion[4 + size - 1] = (uint8_t)('0' + expected);
            null_cell(cells, CANONICAL, at);
            set_cell(cells, STATUS, at, cells->statuses.views[1]);
            set_cell(cells, REASON, at, cells->reasons.views[code - 1]);
            set_cell(cells, SUGGESTION, at, suggestion);
        }
    }
}

static PyObject *cell_columns(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *stream, *status_texts, *reason_texts, *patch_streams[COLUMNS];
    Py_ssize_t length, patch_rows;
    if (!PyArg_ParseTuple(args, "OnOOOOOOn", &stream, &length, &status_texts, &reason_texts,
                          &patch_streams[0], &patch_streams[1], &patch_streams[2],
                          &patch_streams[3], &patch_rows)) {
        return NULL;
    }
    if (length < 0 || patch_rows < 0 || patch_rows > length) {
        return PyErr_Format(PyExc_ValueError, "lengths out of range");
    }
    struct Cells cells = {.patch_rows = patch_rows};
    struct Column *columns[COLUMNS] = {0};
    PyObject *exported[COLUMNS] = {0};
    PyObject *outcome = NULL;
    if (make_table(status_texts, 2, &cells.statuses) != 0
        || make_table(reason_texts, 100, &cells.reasons) != 0) {
        goto end;
    }
    for (int which = 0; which < COLUMNS; which++) {
        if (read_patch(patch_streams[which], patch_rows, &cells.patches[which]) != 0) {
            goto end;
        }
        const struct Table *table = which == STATUS   ? &cells.statuses
                                    : which == REASON ? &cells.reasons
                                                      : NULL;
        const int64_t table_size = table != NULL ? table->size : 0;
        const int64_t data_size = table_size + cells.patches[which].long_bytes;
        if (data_size > INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "the cells' text exceeds 2 GiB");
            goto end;
        }
        columns[which] = new_column(3, (int64_t[]){(length + 7) / 8, 16 * length, data_size});
        if (columns[which] == NULL) {
            goto end;
        }
        cells.validity[which] = columns[which]->owned[0];
        cells.views[which] = columns[which]->owned[1];
        cells.data[which] = columns[which]->owned[2];
        if (table != NULL) {
            memcpy(cells.data[which], table->data, (size_t)table_size);
        }
        cells.data_end[which] = (int32_t)table_size;
        columns[which]->variadic_sizes[0] = data_size;
        columns[which]->buffers[3] = columns[which]->variadic_sizes;
    }
    if (each_array(stream, length, cell_rows, &cells) != 0) {
        goto end;
    }
    if (cells.patched != patch_rows) {
        PyErr_SetString(PyExc_ValueError,
                        "the patch has not one row per text not in canonical form");
        goto end;
    }
    for (int which = 0; which < COLUMNS; which++) {
        exported[which] = export_column(columns[which], "vu", length, cells.nulls[which], 4);
        columns[which] = NULL; /* taken over */
        if (exported[which] == NULL) {
            goto end;
        }
    }
    outcome = PyTuple_Pack(COLUMNS, exported[0], exported[1], exported[2], exported[3]);
end:
    for (int which = 0; which < COLUMNS; which++) {
        Py_XDECREF(exported[which]);
        if (columns[which] != NULL) {
            struct ArrowArray owner = {.private_data = columns[which]};
            release_column(&owner);
        }
        release_patch(&cells.patches[which]);
    }
    free(cells.statuses.data);
    free(cells.reasons.data);
    return outcome;
}

static PyMethodDef methods[] = {
    {"canonical_codes", canonical_codes, METH_VARARGS,
     "canonical_codes(stream, length) -> (schema, array)\n\n"
     "Per text of an Arrow string-view stream of ``length`` rows: 0 unless it is a CAS number\n"
     "in canonical form, else 1 + 10 * found + expected (its check digit and the one its\n"
     "digits call for), as the capsules of a UInt8 Arrow array."},
    {"use_allocator", use_allocator, METH_O,
     "use_allocator(capsule) -> None\n\n"
     "Allocate columns with polars' own allocator (the capsule polars._allocator)."},
    {"cell_columns", cell_columns, METH_VARARGS,
     "cell_columns(stream, length, statuses, reasons, canonical, status, reason, suggestion,\n"
     "             patch_length) -> (canonical, status, reason, suggestion)\n\n"
     "The verdicts on the ``length`` texts of an Arrow string-view stream: worded from\n"
     "``statuses`` (valid, invalid-checksum) and ``reasons`` (by 10 * found + expected) for the\n"
     "CAS numbers in canonical form, taken in order from the four patch streams (of\n"
     "``patch_length`` rows) for the others; each as the capsules of an Arrow array."},
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
