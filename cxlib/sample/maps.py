"""The journey maps of the sample scenarios, written as tables (see :mod:`cxlib.sample`)."""

from __future__ import annotations

__all__ = ["DESIGNS", "DEVICES", "MAPS", "REGIONS", "RETURNS", "ROUTES", "SEGMENTS", "SOURCES"]

# --- the journey maps -------------------------------------------------------------------
# Columns: touchpoint, stage, channel (a channel, "digital" or "inherit"), mean seconds
# before the next event of the same session, lift (how much intent draws customers here),
# intent (change:probability after the event), rating (kind:response rate:shift), value
# (median revenue), next (weighted steps: "x:w" same session, "x@w" later, "later:w" a
# later session through the scenario's RETURNS, back, exit). "." means none.
MAPS = {
    "retail": """
ad_click          awareness     social      15   0    .      .              .   visit_home:3 product_page:5 search:1 later:4 exit:1.5
email_open        awareness     email       20   0    .      .              .   visit_home:2 product_page:3 back:2 later:3 exit:1.5
visit_home        awareness     digital     30   0    .      .              .   search:4 product_page:5 loyalty_signup:0.3 store_visit@0.8 later:3 exit:1
search            consideration digital     25   0.2  +1:0.3 .              .   product_page:8 back:2 later:1.5 exit:0.7
product_page      consideration digital     50   0.3  +1:0.4 .              .   back:8 add_to_cart:2.5 wishlist:0.8 store_visit@1 call_support@0.5 later:4 exit:1
wishlist          consideration digital     15   0.4  +2     .              .   product_page:1 back:3 later:3 exit:0.5
store_visit       consideration store       900  0.4  +1:0.5 csat:0.3:0.4   .   purchase:3 product_page@1 call_support@0.2 later:1.5 exit:1.5
add_to_cart       decision      digital     30   1    +2:0.7 .              .   checkout:4 product_page:2.5 email_open@1.5 later:1 exit:1
checkout          decision      digital     80   1    .      csat:0.5:-2    .   purchase:4 click_and_collect@1 call_support:1.2 email_open@0.8 later:1 exit:24
click_and_collect decision      store       400  0.5  .      csat:0.3:0.3   .   purchase:5 call_support@0.3 exit:0.5
purchase          decision      inherit     30   1.2  -2     .              48  nps_survey@1.5 review@1 email_open@2.5 return_item@0.6 loyalty_signup:0.5 later:4 exit:2
call_support      loyalty       call_centre 420  -0.2 .      csat:0.8:-0.3  .   back@2.5 return_item@1 later:1 exit:1.5
return_item       loyalty       store       300  -0.5 -1     .              .   call_support@0.6 later:4 exit:1
loyalty_signup    loyalty       digital     40   0.6  +2     .              .   product_page:2 email_open@2 exit:2
nps_survey        loyalty       email       60   0    .      nps:1          .   review:1 referral@0.5 later:3 exit:3
review            advocacy      digital     90   0.3  .      stars:1        .   referral@0.5 later:2 exit:3
referral          advocacy      social      30   0.5  +1     .              .   later:2 exit:2
""",
    "bank": """
ad_view             awareness     social      10   0    .       .              .   website_visit:4 rate_comparison:1 later:5 exit:1
website_visit       awareness     web         45   0    .       .              .   rate_comparison:3 app_download:1 application_started:1.5 branch_appointment@0.8 call_centre@0.6 later:4 exit:1
rate_comparison     consideration web         90   0.4  +2:0.7  .              .   back:6 application_started:2 app_download:1 branch_appointment@0.5 later:4 exit:1
app_download        consideration app         60   0.5  +1      .              .   application_started:3 rate_comparison:1.5 back:3 call_centre@0.4 later:1.5 exit:1.5
call_centre         consideration call_centre 480  0    .       csat:0.6:-0.2  .   back@2.5 branch_appointment@1 later:1 exit:2
branch_appointment  consideration branch      1500 0.5  +1      csat:0.5:0.3   .   application_started:2 id_check:1.5 account_opened:1 later:1 exit:1.5
application_started decision      inherit     300  1    +1      .              .   id_check:5 call_centre@1 branch_appointment@0.6 application_started@1 later:1 exit:2
id_check            decision      inherit     240  1    -3:0.3  csat:0.6:-1.6  .   account_opened:5 branch_appointment@1 call_centre@0.8 later:1 exit:10
account_opened      decision      inherit     30   1.2  +1      .              180 first_deposit@3 card_activated@2 mobile_login@1 exit:1
first_deposit       loyalty       digital     60   0.5  .       .              .   card_activated@1.5 mobile_login@2 survey@1 exit:1.5
card_activated      loyalty       app         30   0.5  .       .              .   mobile_login@3 survey@1 exit:1.5
mobile_login        loyalty       app         60   0.4  .       .              .   transfer:5 mobile_login@3 cross_sell:0.6 complaint@0.3 call_centre@0.5 survey@0.4 exit:1.5
transfer            loyalty       app         90   0.3  .       .              .   mobile_login@3 cross_sell@0.3 exit:1
complaint           loyalty       call_centre 600  -1   -2      csat:0.9:-2    .   mobile_login@1.5 branch_appointment@0.5 survey@0.5 exit:3
survey              loyalty       email       90   0    .       nps:1          .   mobile_login@2 referral@0.4 app_review@0.4 exit:3
cross_sell          loyalty       digital     120  1    -2      .              350 mobile_login@2 survey@0.5 exit:2
referral            advocacy      web         30   0.5  +1      .              .   mobile_login@1 exit:2
app_review          advocacy      app         60   0.3  .       stars:1        .   mobile_login@1.5 exit:2.5
""",
    "telecom": """
ad               awareness     social      10   0    .       .              .   website_visit:4 plan_compare:1 later:5 exit:1
website_visit    awareness     web         40   0    .       .              .   plan_compare:3 coverage_check:1.5 store_visit@1 call_sales@0.8 later:5 exit:0.8
plan_compare     consideration digital     120  0.4  +2:0.6  .              .   back:6 coverage_check:1 chat:0.6 contract_signed:1.5 store_visit@1 call_sales@0.7 later:4 exit:1
coverage_check   consideration web         40   0.3  -3:0.3  .              .   plan_compare:1 back:5 contract_signed:0.5 later:2 exit:1.5
chat             consideration digital     300  0.3  +1:0.5  csat:0.6:0.5   .   back:4 contract_signed:1 store_visit@0.5 later:1 exit:1
store_visit      consideration store       1200 0.5  +1:0.5  csat:0.5:-1.4  .   contract_signed:3 plan_compare@1 later:3 exit:1.8
call_sales       consideration call_centre 420  0.3  +1:0.5  csat:0.5       .   contract_signed:2.5 back@1.5 store_visit@1 later:3 exit:0.7
contract_signed  decision      inherit     60   1.2  +1      .              420 device_delivered@3 activation@1 exit:0.3
device_delivered loyalty       home        120  0.3  .       .              .   activation:4 call_support@1 exit:0.5
activation       loyalty       app         180  0.3  .       .              .   app_login@3 call_support@0.8 technician_visit@0.4 bill_shock@0.5 nps_survey@1 exit:1
app_login        loyalty       app         60   0.3  .       .              .   usage_check:5 app_login@4 upgrade:0.5 bill_shock@0.5 call_support@0.5 nps_survey@0.5 referral@0.2 churn_request@0.2 exit:1.2
usage_check      loyalty       app         60   0.3  .       .              .   app_login@3 upgrade@0.3 bill_shock@0.2 exit:1
bill_shock       loyalty       email       30   -0.8 -1      .              .   call_support:2 app_login:1 churn_request@1 exit:1
call_support     loyalty       call_centre 540  -0.3 .       csat:0.8:-0.5  .   technician_visit@0.8 app_login@2.5 churn_request@0.6 nps_survey@0.5 exit:1.5
technician_visit loyalty       home        2400 0    .       csat:0.8:-0.3  .   app_login@2 call_support@0.5 nps_survey@0.6 exit:2
upgrade          loyalty       digital     150  1    -2      .              180 app_login@2 nps_survey@0.5 exit:1.5
churn_request    loyalty       call_centre 300  -1   -2      .              .   retention_offer:3 exit:2
retention_offer  loyalty       call_centre 240  0.8  +2:0.5  .              .   app_login@2 upgrade@0.5 churn_request@0.5 exit:2.5
nps_survey       loyalty       email       60   0    .       nps:1          .   app_login@2 referral@0.4 review@0.3 exit:2.5
referral         advocacy      social      30   0.5  .       .              .   app_login@1 exit:2
review           advocacy      web         60   0.3  .       stars:1        .   app_login@1 exit:2.5
""",
}
# Where customers come back through when they leave for a later session ("later:w"),
# with weights: a returning customer opens an email, visits the site or the app, sees an
# ad again, walks into a store...
RETURNS = {
    "retail": "visit_home:3 email_open:3 search:2 product_page:1 ad_click:1 store_visit:1",
    "bank": "website_visit:3 ad_view:1 rate_comparison:1.5 app_download:0.5 branch_appointment:0.5",
    "telecom": "website_visit:3 ad:1 plan_compare:1.5 store_visit:1 call_sales:0.5",
}
# Routes that depend on where the customer came from: touchpoint, the touchpoint just
# before it, and the next steps that replace the touchpoint's own (same syntax as above).
ROUTES = {
    "retail": """
visit_home          purchase            search:1 product_page:1 loyalty_signup:1.5 return_item@0.5 later:2 exit:3
visit_home          ad_click            search:5 product_page:2 later:1 exit:2
email_open          add_to_cart         checkout:4 product_page:2 later:1 exit:2
purchase            click_and_collect   nps_survey@3 review@1 visit_home@1 search@1 return_item@0.4 exit:2
""",
    "bank": """
website_visit       rate_comparison     application_started:4 rate_comparison:1 call_centre@0.6 later:1 exit:1.5
application_started application_started id_check:3 call_centre@1.5 later:1 exit:3
branch_appointment  id_check            account_opened:6 application_started@0.5 exit:1
account_opened      branch_appointment  card_activated:4 first_deposit@2 mobile_login@1 exit:1
mobile_login        card_activated      first_deposit:4 mobile_login@2 survey@0.5 exit:1
mobile_login        first_deposit       card_activated:3 mobile_login@2 survey@0.5 exit:1
mobile_login        cross_sell          survey@3 mobile_login@1.5 exit:1
mobile_login        complaint           survey@3 mobile_login@1 exit:2
call_centre         application_started application_started@2 branch_appointment@1 later:1 exit:1.5
call_centre         id_check            branch_appointment@1.5 application_started@0.5 later:1 exit:1.5
""",
    "telecom": """
plan_compare        coverage_check      contract_signed:4 back:1 store_visit@1 later:1 exit:1.5
plan_compare        store_visit         contract_signed:4 call_sales@0.5 later:1 exit:1.5
contract_signed     store_visit         activation:4 device_delivered@0.3 exit:0.3
app_login           bill_shock          call_support:3 churn_request@1 app_login@1 exit:1
call_support        bill_shock          app_login@3 churn_request@1.5 nps_survey@0.5 exit:1
app_login           upgrade             nps_survey@2.5 app_login@1.5 exit:1
app_login           technician_visit    nps_survey@2.5 app_login@2 call_support@0.5 exit:1
app_login           retention_offer     upgrade:3 app_login@1.5 churn_request@0.5 exit:1
""",
}
# What each scenario is built to show, as "moment of truth | leaky hand-off | segments":
# the touchpoint that matters most and serves worst (low ratings, many exits: in its map
# line), the channel hand-off that loses customers (from, to, the share of customers lost
# right at it, on top of the touchpoint's own exit), and an attribute with the value that
# converts best and the one that converts worst (their intent shifts below).
DESIGNS = {
    "retail": "checkout | app call_centre 0.65 | segment premium budget",
    "bank": "id_check | web branch 0.65 | segment young_professional student",
    "telecom": "store_visit | web call_centre 0.75 | segment small_business consumer",
}
# Who the customers are, groups separated by "|". Segments: name, share, intent shift,
# value multiplier. Regions: name, share, intent shift. Acquisition sources: name, share,
# intent shift, entry touchpoints with weights. Devices: name, share, share of app sessions.
SEGMENTS = {
    "retail": "budget 0.4 -0.3 0.6 | mainstream 0.45 0 1 | premium 0.15 0.4 2.2",
    "bank": "student 0.25 -0.4 0.4 | young_professional 0.35 0.3 1 | family 0.25 0 1.3 | senior 0.15 -0.1 1.6",
    "telecom": "consumer 0.55 -0.2 1 | family 0.3 0.1 1.8 | small_business 0.15 0.5 2.5",
}
REGIONS = "north 0.22 0.1 | south 0.24 -0.1 | east 0.18 0 | west 0.2 0.2 | central 0.16 -0.2"
SOURCES = {
    "retail": "search 0.3 0.3 search:6 visit_home:3 product_page:3 | social 0.25 -0.5 ad_click:1"
    " | email 0.15 0.2 email_open:1 | direct 0.15 0.2 visit_home:1 | walk_in 0.1 0.5 store_visit:1"
    " | referral 0.05 0.8 visit_home:1 product_page:1",
    "bank": "search 0.3 0.2 website_visit:3 rate_comparison:1 | social 0.3 -0.4 ad_view:1"
    " | comparison_site 0.15 0.5 rate_comparison:1 | walk_in 0.15 0.3 branch_appointment:1"
    " | referral 0.1 0.6 website_visit:1 app_download:1",
    "telecom": "search 0.38 0.2 website_visit:3 plan_compare:1 | social 0.3 -0.3 ad:1"
    " | walk_in 0.12 0.3 store_visit:1 | phone 0.1 0.2 call_sales:1"
    " | referral 0.1 0.6 website_visit:1 plan_compare:1",
}
DEVICES = "mobile 0.6 0.6 | desktop 0.32 0.05 | tablet 0.08 0.4"
