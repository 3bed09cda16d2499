import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/**
 * zod/mini ships without messages: every issue reads "Invalid input", which tells a producer
 * nothing ("contactListId: Invalid input" for a missing id, a null one or a number alike). The
 * English locale (a few KB) says what was expected and what came: "expected string, received
 * null", "expected one of "delete"|"archive"", "Invalid ISO datetime". Global, set once at load:
 * imported by every module that turns input into a command or an event.
 */
z.config(en());
