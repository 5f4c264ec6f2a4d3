import { PageSkeleton } from "@/components/ui/skeleton";

// Per page, not one for the whole dashboard: a loading boundary above a page makes its response
// stream, and a streamed response keeps status 200 even when the page calls notFound().
export default function Loading() {
  return <PageSkeleton title="page" />;
}
