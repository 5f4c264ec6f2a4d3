// Every /api path no route file claims: the JSON error shape (404 not_found), not Next's HTML page.
import { unknownApiPath } from "@/server/http/unknown-api";

export const GET = unknownApiPath;
export const POST = unknownApiPath;
export const PUT = unknownApiPath;
export const PATCH = unknownApiPath;
export const DELETE = unknownApiPath;
