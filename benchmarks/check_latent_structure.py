"""Quick check of the default panel's latent structure against the published claims.

Prints Cronbach's alpha (overall, per dimension), the CFA fit of the 6-category model
(RMSEA with lavaan's N, SRMR) and AVE per category. Published (report 2.5): alpha > .9,
RMSEA and SRMR < .04, AVE .51-.75.
"""

from dimios import instrument, synthetic
from dimios.quality import factor, reliability

inst = instrument.load()
items = synthetic.generate().responses[list(inst.principle_ids)]
print("alpha overall", round(reliability.cronbach_alpha(items)["alpha"], 3))
for dim, cols in inst.dimension_items().items():
    print("alpha", dim, round(reliability.cronbach_alpha(items[cols])["alpha"], 3))
res = factor.cfa(items, factor.model_first_order(inst.category_items()), name="categories")
print(res.fit.to_string())
ld = res.loadings
for cat in inst.category_items():
    sub = ld[ld["factor"] == cat]["std_loading"]
    print("AVE", cat, round(float((sub**2).mean()), 3))
