"use client";
// "Effect by days since exposure": the primary metric's daily effect (treatment − control) with its
// 95 % band, by days since each unit's first exposure. Aggregated on the server (novelty-view.ts).
import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { NoveltyCardView } from "@/server/dashboard/novelty-card";

const axis = { fontSize: 11, fill: "currentColor" };

export function NoveltyChart({ view }: { view: NoveltyCardView }) {
  const f = (x: number) => (view.unit === "share" ? `${(x * 100).toFixed(1)} pp` : view.unit === "ms" ? `${x.toFixed(0)} ms` : Number(x.toPrecision(3)).toString());
  const data = view.points.map((p) => ({ day: p.day, effect: p.effect, band: p.band, units: p.units }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ComposedChart data={data} margin={{ left: 0, right: 16, bottom: 12 }}>
        <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
        <XAxis dataKey="day" tick={axis} label={{ value: "days since first exposure", position: "insideBottom", offset: -6, fontSize: 11, fill: "currentColor" }} />
        <YAxis tickFormatter={f} tick={axis} width={64} />
        <ReferenceLine y={0} stroke="currentColor" />
        <Tooltip
          formatter={(v, name) => (Array.isArray(v) ? v.map((x) => f(Number(x))).join(" to ") : name === "units" ? String(v) : f(Number(v)))}
          labelFormatter={(l) => `day ${String(l)}`}
          contentStyle={{ fontSize: 12 }}
        />
        <Area dataKey="band" name="95 % band" stroke="none" fill="#9333ea" fillOpacity={0.18} isAnimationActive={false} connectNulls={false} />
        <Line dataKey="effect" name="effect" stroke="#9333ea" strokeWidth={2} dot isAnimationActive={false} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}
